package docsgen

import (
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"metricstream/harness/results"
)

// Store copies the run in dir into root/docs/runs/name/, replacing what
// was stored under that name: meta.json (with note, when given, added to
// its notes after StoredNote: what a reader should know of the machine it
// ran on), verify.json, bench.txt and trials.jsonl gzipped, which
// results.Read (and so `lab report -run`) reads as it reads any run. The
// servers' logs and data files stay behind. Storing the same run twice
// gives the same bytes. It returns the stored run's directory.
func Store(dir, root, name, note string) (string, error) {
	if name == "" || name != filepath.Base(name) || name == "." || name == ".." {
		return "", fmt.Errorf("docsgen: store: %q is not a plain name", name)
	}
	var meta results.Meta
	b, err := os.ReadFile(filepath.Join(dir, results.MetaFile))
	if err != nil {
		return "", fmt.Errorf("docsgen: store: %w", err)
	}
	if err := json.Unmarshal(b, &meta); err != nil {
		return "", fmt.Errorf("docsgen: store: %s: %w", results.MetaFile, err)
	}
	if note != "" {
		meta.Notes = append(meta.Notes, StoredNote+note)
	}
	dst := filepath.Join(root, RunsDir, name)
	if err := os.RemoveAll(dst); err != nil {
		return "", fmt.Errorf("docsgen: store: %w", err)
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return "", fmt.Errorf("docsgen: store: %w", err)
	}
	mb, err := json.MarshalIndent(meta, "", "  ")
	if err != nil {
		return "", fmt.Errorf("docsgen: store: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dst, results.MetaFile), append(mb, '\n'), 0o644); err != nil {
		return "", fmt.Errorf("docsgen: store: %w", err)
	}
	for _, f := range []string{results.VerifyFile, results.BenchFile} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if errors.Is(err, os.ErrNotExist) && f == results.VerifyFile {
			continue // a run without verification (a remote target's) has none
		}
		if err != nil {
			return "", fmt.Errorf("docsgen: store: %w", err)
		}
		if err := os.WriteFile(filepath.Join(dst, f), b, 0o644); err != nil {
			return "", fmt.Errorf("docsgen: store: %w", err)
		}
	}
	if err := gzipFile(filepath.Join(dir, results.TrialsFile), filepath.Join(dst, results.TrialsGzFile)); err != nil {
		return "", fmt.Errorf("docsgen: store: %w", err)
	}
	return dst, nil
}

// gzipFile writes src gzipped to dst, with no name or time in the header
// so the same input gives the same bytes.
func gzipFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	zw, err := gzip.NewWriterLevel(out, gzip.BestCompression)
	if err != nil {
		out.Close()
		return err
	}
	if _, err := io.Copy(zw, in); err != nil {
		zw.Close()
		out.Close()
		return err
	}
	if err := zw.Close(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
