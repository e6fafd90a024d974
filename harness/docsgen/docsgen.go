// Package docsgen keeps the repository's figures with the runs they come
// from. Store copies a run into docs/runs/<name>/, small (meta.json,
// verify.json, bench.txt and trials.jsonl.gz); Write rewrites every
// generated block of the READMEs and docs/*.md from those stored runs and
// from the code (the presets, the scenario files); Check reports every
// block that differs from what its source gives, which the repository's
// test turns into a failure.
//
// A block is the text between two marker lines:
//
//	<!-- lab:begin headlines run=journey -->
//	... generated, rewritten by Write ...
//	<!-- lab:end -->
//
// Its kind (headlines) says what it states and its arguments where from:
// run=journey is the run stored in docs/runs/journey/. The kinds are the
// report's Markdown blocks of a run (report.MarkdownKinds: headlines,
// steps, medians, capacity, seed), "run" (a sentence naming the stored
// run, linked, with its notes), "presets" (the journey's presets from
// package variants) and "scenarios" (the scenario files).
package docsgen

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// RunsDir is where stored runs live, relative to the repository root.
const RunsDir = "docs/runs"

// Files are the files whose blocks Write and Check keep, relative to the
// repository root: the three READMEs and every docs/*.md.
func Files(root string) ([]string, error) {
	files := []string{"README.md", "harness/README.md", "scenarios/README.md"}
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		return nil, fmt.Errorf("docsgen: %w", err)
	}
	sort.Strings(docs)
	for _, d := range docs {
		rel, err := filepath.Rel(root, d)
		if err != nil {
			return nil, fmt.Errorf("docsgen: %w", err)
		}
		files = append(files, filepath.ToSlash(rel))
	}
	return files, nil
}

const (
	beginMark = "<!-- lab:begin"
	endMark   = "<!-- lab:end -->"
	markClose = "-->"
)

// block is one generated block of a file.
type block struct {
	kind string
	args map[string]string
	line int    // of its begin marker, from 1
	body string // the text between the markers, as the file has it
}

// parse splits text into the literal parts and the blocks between them:
// parts[i] precedes blocks[i], parts[len(blocks)] ends the text; a part
// that precedes a block ends with its begin marker line, the next starts
// with its end marker line.
func parse(text string) (parts []string, blocks []block, err error) {
	var part, body strings.Builder
	var cur *block
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 0, 1<<16), 1<<24)
	for n := 1; sc.Scan(); n++ {
		l := sc.Text()
		t := strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(t, beginMark):
			if cur != nil {
				return nil, nil, fmt.Errorf("line %d: a block begins inside the block of line %d", n, cur.line)
			}
			if !strings.HasSuffix(t, markClose) {
				return nil, nil, fmt.Errorf("line %d: a begin marker must end with %q", n, markClose)
			}
			fields := strings.Fields(strings.TrimSuffix(strings.TrimPrefix(t, beginMark), markClose))
			if len(fields) > 0 && !strings.HasPrefix(t, beginMark+" ") {
				return nil, nil, fmt.Errorf("line %d: %q is not a begin marker", n, t)
			}
			if len(fields) == 0 {
				return nil, nil, fmt.Errorf("line %d: a begin marker names no kind", n)
			}
			cur = &block{kind: fields[0], args: map[string]string{}, line: n}
			for _, f := range fields[1:] {
				k, v, ok := strings.Cut(f, "=")
				if !ok {
					return nil, nil, fmt.Errorf("line %d: argument %q is not key=value", n, f)
				}
				cur.args[k] = v
			}
			part.WriteString(l + "\n")
			parts = append(parts, part.String())
			part.Reset()
			body.Reset()
		case t == endMark:
			if cur == nil {
				return nil, nil, fmt.Errorf("line %d: %s without a block", n, endMark)
			}
			cur.body = body.String()
			blocks = append(blocks, *cur)
			cur = nil
			part.WriteString(l + "\n")
		case cur != nil:
			body.WriteString(l + "\n")
		default:
			part.WriteString(l + "\n")
		}
	}
	if err := sc.Err(); err != nil {
		return nil, nil, err
	}
	if cur != nil {
		return nil, nil, fmt.Errorf("line %d: the block never ends (%s)", cur.line, endMark)
	}
	return append(parts, part.String()), blocks, nil
}

// render regenerates the text of one file (rel, relative to root): every
// block's body rebuilt from its source.
func render(g *generator, rel, text string) (string, []block, []string, error) {
	parts, blocks, err := parse(text)
	if err != nil {
		return "", nil, nil, fmt.Errorf("docsgen: %s: %w", rel, err)
	}
	var out strings.Builder
	bodies := make([]string, len(blocks))
	for i, b := range blocks {
		out.WriteString(parts[i])
		body, err := g.block(rel, b)
		if err != nil {
			return "", nil, nil, fmt.Errorf("docsgen: %s line %d: %w", rel, b.line, err)
		}
		bodies[i] = body
		out.WriteString(body)
	}
	out.WriteString(parts[len(blocks)])
	return out.String(), blocks, bodies, nil
}

// Write rewrites every block of Files(root) from its source and returns
// the files it changed.
func Write(root string) ([]string, error) {
	files, err := Files(root)
	if err != nil {
		return nil, err
	}
	g := newGenerator(root)
	var changed []string
	for _, rel := range files {
		path := filepath.Join(root, rel)
		b, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return changed, fmt.Errorf("docsgen: %w", err)
		}
		text, _, _, err := render(g, rel, string(b))
		if err != nil {
			return changed, err
		}
		if text == string(b) {
			continue
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			return changed, fmt.Errorf("docsgen: %w", err)
		}
		changed = append(changed, rel)
	}
	return changed, nil
}

// Check reports every block of Files(root) that differs from what its
// source gives: one line each, naming the file, the block and the first
// line that differs. Nil when every block agrees.
func Check(root string) error {
	files, err := Files(root)
	if err != nil {
		return err
	}
	g := newGenerator(root)
	var diffs []string
	for _, rel := range files {
		b, err := os.ReadFile(filepath.Join(root, rel))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("docsgen: %w", err)
		}
		_, blocks, bodies, err := render(g, rel, string(b))
		if err != nil {
			return err
		}
		for i, bl := range blocks {
			if bl.body != bodies[i] {
				diffs = append(diffs, fmt.Sprintf("%s line %d (%s %s): %s", rel, bl.line, bl.kind, argText(bl.args), firstDiff(bl.body, bodies[i])))
			}
		}
	}
	if len(diffs) > 0 {
		return fmt.Errorf("docsgen: %d block(s) disagree with their source (run `make docs` to rewrite them):\n  %s", len(diffs), strings.Join(diffs, "\n  "))
	}
	return nil
}

func argText(args map[string]string) string {
	var kv []string
	for k, v := range args {
		kv = append(kv, k+"="+v)
	}
	sort.Strings(kv)
	return strings.Join(kv, " ")
}

// firstDiff says where have and want first differ.
func firstDiff(have, want string) string {
	hl, wl := strings.Split(have, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(hl) || i < len(wl); i++ {
		var h, w string
		if i < len(hl) {
			h = hl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if h != w {
			return fmt.Sprintf("line %d of the block is %q, the source gives %q", i+1, clip(h), clip(w))
		}
	}
	return "they differ in white space"
}

func clip(s string) string {
	if len(s) > 160 {
		return s[:160] + "…"
	}
	return s
}

// trimBody ends a generated body with exactly one newline and surrounds it
// with blank lines, so Markdown reads a table or list in it as one.
func trimBody(b []byte) string {
	return "\n" + string(bytes.TrimSpace(b)) + "\n\n"
}
