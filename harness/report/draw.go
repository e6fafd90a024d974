package report

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Chart size in the PNG: 1200 × 528 px at vgimg's 96 dpi, the width of the
// page's text column at 1280 px, so a chart is shown at (nearly) its own
// size and its fonts stay readable. A chart of small multiples is as wide
// and gets this height per row of panels.
const (
	chartWidth  = 12.5 * vg.Inch
	chartHeight = 5.5 * vg.Inch
)

// Font sizes (points; 1 pt = 4/3 px at 96 dpi).
const (
	titleSize  = 17
	panelSize  = 15
	labelSize  = 14
	tickSize   = 13
	legendSize = 14
)

// maxPanelCols is how many panels of small multiples sit side by side.
const maxPanelCols = 3

// MaxSeriesPerPanel is the most series (reference lines included) one
// panel may carry: beyond it colours stop being told apart.
const MaxSeriesPerPanel = 6

// markerMaxPoints: a series of more points than this is drawn as a line
// alone, since glyphs on every point of a dense line (a spectrum) only
// thicken it.
const markerMaxPoints = 15

// palette is Tableau 10: distinct at a glance and in print.
var palette = []color.RGBA{
	{0x4e, 0x79, 0xa7, 0xff}, {0xf2, 0x8e, 0x2b, 0xff}, {0xe1, 0x57, 0x59, 0xff},
	{0x76, 0xb7, 0xb2, 0xff}, {0x59, 0xa1, 0x4f, 0xff}, {0xed, 0xc9, 0x48, 0xff},
	{0xb0, 0x7a, 0xa1, 0xff}, {0xff, 0x9d, 0xa7, 0xff}, {0x9c, 0x75, 0x5f, 0xff},
	{0xba, 0xb0, 0xac, 0xff},
}

func seriesColor(i int) color.Color {
	if i < 0 {
		return color.Gray{Y: 0x80}
	}
	return palette[i%len(palette)]
}

// dashes are the line patterns, distinct at a 2 pt line width (plotutil's
// finer ones read as solid lines in a scaled-down PNG).
var dashes = [][]vg.Length{
	{},
	{vg.Points(9), vg.Points(3)},
	{vg.Points(3), vg.Points(3)},
	{vg.Points(9), vg.Points(3), vg.Points(2), vg.Points(3)},
	{vg.Points(16), vg.Points(5)},
	{vg.Points(2), vg.Points(5)},
}

func seriesDash(i int) []vg.Length {
	return dashes[((i%len(dashes))+len(dashes))%len(dashes)]
}

func xys(pts []Point) plotter.XYs {
	out := make(plotter.XYs, len(pts))
	for i, p := range pts {
		out[i] = plotter.XY{X: p.X, Y: p.Y}
	}
	return out
}

// panels returns the panels c draws: its Panels, or c itself.
func (c *Chart) panels() []*Chart {
	if len(c.Panels) == 0 {
		return []*Chart{c}
	}
	out := make([]*Chart, len(c.Panels))
	for i := range c.Panels {
		out[i] = &c.Panels[i]
	}
	return out
}

// grid is the panel layout: columns and rows.
func (c *Chart) grid() (cols, rows int) {
	n := len(c.panels())
	cols = min(n, maxPanelCols)
	return cols, (n + cols - 1) / cols
}

// Heights of a chart drawn by rows (Chart.Rows): the axis and margins,
// and one row of a forest plot or of horizontal bars.
const (
	rowsBase      = 0.95 * vg.Inch
	effectRow     = 0.58 * vg.Inch
	horizontalRow = 0.4 * vg.Inch
	titleRoom     = 0.35 * vg.Inch
)

// size is the PNG's size.
func (c *Chart) size() (w, h vg.Length) {
	if c.Rows > 0 {
		row := horizontalRow
		if len(c.Effects) > 0 {
			row = effectRow
		}
		h = rowsBase + row*vg.Length(c.Rows)
		if !c.Untitled && c.Title != "" {
			h += titleRoom
		}
		return chartWidth, h
	}
	_, rows := c.grid()
	return chartWidth, chartHeight * vg.Length(rows)
}

// PixelSize is the PNG's size in pixels, for the page's img tags.
func (c *Chart) PixelSize() (w, h int) {
	lw, lh := c.size()
	return pixels(lw), pixels(lh)
}

// legendEntry is one line of a chart's legend.
type legendEntry struct {
	name   string
	thumbs []plot.Thumbnailer
}

// legendSet collects legend entries across panels, one per series name.
type legendSet struct {
	seen    map[string]bool
	entries []legendEntry
}

func (l *legendSet) add(name string, thumbs ...plot.Thumbnailer) {
	if l.seen == nil {
		l.seen = map[string]bool{}
	}
	if l.seen[name] {
		return
	}
	l.seen[name] = true
	l.entries = append(l.entries, legendEntry{name, thumbs})
}

// RenderPNG draws c as a PNG: its title on top, its panels (small
// multiples) in a grid, and one legend for all of them in a margin on the
// right, where it hides no data however many series there are.
func RenderPNG(c *Chart) (out []byte, err error) {
	defer func() {
		// gonum/plot panics on impossible axes (e.g. log of 0); the
		// builders drop such points, but a report must not crash.
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("report: chart %s: %v", c.File, r)
		}
	}()
	w, h := c.size()
	img := vgimg.New(w, h)
	dc := draw.New(img)
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())

	var legends legendSet
	ps := c.panels()
	plots := make([]*plot.Plot, len(ps))
	for i, pc := range ps {
		if plots[i], err = makePlot(pc, &legends, len(ps) > 1); err != nil {
			return nil, err
		}
	}

	title := plot.New().Title.TextStyle
	title.Font.Size = vg.Points(titleSize)
	title.XAlign, title.YAlign = draw.XCenter, draw.YTop
	pad := vg.Points(6)
	top := h - pad
	if c.Title != "" && !c.Untitled {
		top -= title.Height(c.Title) + pad
	}

	legend := plot.NewLegend()
	legend.Top, legend.Left = true, true
	legend.TextStyle.Font.Size = vg.Points(legendSize)
	legend.ThumbnailWidth = vg.Points(32)
	legend.Padding = vg.Points(5)
	for _, e := range legends.entries {
		legend.Add(e.name, e.thumbs...)
	}
	lw := vg.Length(0)
	if len(legends.entries) > 0 {
		// gonum's Legend.Rectangle over-measures long names; the legend
		// is drawn thumbnail, a space, the name
		var tw vg.Length
		for _, e := range legends.entries {
			tw = max(tw, legend.TextStyle.Width(e.name))
		}
		lw = legend.ThumbnailWidth + legend.TextStyle.Width(" ") + tw + 3*pad
		legend.Draw(draw.Canvas{Canvas: img, Rectangle: vg.Rectangle{
			Min: vg.Point{X: w - lw + pad, Y: 0}, Max: vg.Point{X: w, Y: top - 2*pad}}})
	}

	if c.Title != "" && !c.Untitled { // centred over the panels
		dc.FillText(title, vg.Point{X: (w - lw) / 2, Y: h - pad}, c.Title)
	}

	cols, rows := c.grid()
	cw, ch := (w-lw)/vg.Length(cols), top/vg.Length(rows)
	for i, p := range plots {
		col, row := i%cols, i/cols
		x0, y1 := cw*vg.Length(col), top-ch*vg.Length(row)
		p.Draw(draw.Canvas{Canvas: img, Rectangle: vg.Rectangle{
			Min: vg.Point{X: x0 + pad, Y: y1 - ch + pad}, Max: vg.Point{X: x0 + cw - pad, Y: y1}}})
	}

	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("report: chart %s: %w", c.File, err)
	}
	return buf.Bytes(), nil
}

// makePlot builds the plot of one panel; its legend entries go to legends.
// A panel of a multi-panel chart shows its own Title; a single-panel
// chart's title is drawn above it by RenderPNG.
func makePlot(c *Chart, legends *legendSet, multi bool) (*plot.Plot, error) {
	if n := len(c.Series); n > MaxSeriesPerPanel {
		return nil, fmt.Errorf("report: chart %s: %d series in one panel (at most %d)", c.File, n, MaxSeriesPerPanel)
	}
	p := plot.New()
	if multi {
		p.Title.Text = c.Title
		p.Title.TextStyle.Font.Size = vg.Points(panelSize)
	}
	// keep axis labels short: gonum/plot pads the data area for a long X
	// label as if it stood at the axis' end (say more in the chart's Note)
	p.X.Label.Text = c.XLabel
	p.Y.Label.Text = c.YLabel
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font.Size = vg.Points(labelSize)
		a.Tick.Label.Font.Size = vg.Points(tickSize)
	}
	p.Add(plotter.NewGrid())
	if c.LogX {
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = readableLogTicks{}
	}
	if len(c.XTicks) > 0 {
		ts := make(plot.ConstantTicks, len(c.XTicks))
		for i, t := range c.XTicks {
			ts[i] = plot.Tick{Value: t.Value, Label: t.Label}
		}
		p.X.Tick.Marker = ts
	}
	if c.LogY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = readableLogTicks{}
	}
	if len(c.Effects) > 0 {
		if err := addEffects(p, c); err != nil {
			return nil, err
		}
	} else if c.Stacked {
		if err := addStacked(p, c, legends); err != nil {
			return nil, err
		}
	} else if c.Bars {
		if err := addBars(p, c, legends); err != nil {
			return nil, err
		}
	} else if err := addLines(p, c, legends); err != nil {
		return nil, err
	}
	if err := addMarkers(p, c); err != nil {
		return nil, err
	}
	if c.YMax > c.YMin {
		p.Y.Min, p.Y.Max = c.YMin, c.YMax
	}
	return p, nil
}

func addMarkers(p *plot.Plot, c *Chart) error {
	if len(c.Markers) == 0 {
		return nil
	}
	var pts []Point
	var labels []string
	for _, m := range c.Markers {
		s, err := plotter.NewScatter(xys([]Point{m.Point}))
		if err != nil {
			return fmt.Errorf("report: chart %s: %w", c.File, err)
		}
		s.GlyphStyle = draw.GlyphStyle{Color: seriesColor(m.Color), Radius: vg.Points(7), Shape: draw.RingGlyph{}}
		p.Add(s)
		pts = append(pts, m.Point)
		labels = append(labels, m.Label)
	}
	l, err := plotter.NewLabels(plotter.XYLabels{XYs: xys(pts), Labels: labels})
	if err != nil {
		return fmt.Errorf("report: chart %s: %w", c.File, err)
	}
	for i := range l.TextStyle {
		l.TextStyle[i].Font.Size = vg.Points(tickSize)
		l.TextStyle[i].XAlign = draw.XRight
		l.TextStyle[i].YAlign = draw.YBottom
	}
	p.Add(l)
	return nil
}

func addLines(p *plot.Plot, c *Chart, legends *legendSet) error {
	for _, s := range c.Series {
		l, err := plotter.NewLine(xys(s.Points))
		if err != nil {
			return fmt.Errorf("report: chart %s: %w", c.File, err)
		}
		col := seriesColor(s.Color)
		l.Color = col
		l.Width = vg.Points(2)
		l.Dashes = seriesDash(s.Dash)
		if s.Color < 0 || s.Line || len(s.Points) > markerMaxPoints {
			// a reference line, a fitted or a dense curve: the line alone
			l.Width = vg.Points(1.75)
			p.Add(l)
			legends.add(s.Name, l)
			continue
		}
		sc, err := plotter.NewScatter(xys(s.Points))
		if err != nil {
			return fmt.Errorf("report: chart %s: %w", c.File, err)
		}
		sc.Color = col
		sc.Shape = plotutil.Shape(s.Color)
		sc.Radius = vg.Points(3.5)
		p.Add(l, sc)
		legends.add(s.Name, l, sc)
	}
	return nil
}

// addBars draws grouped bars. The bars of a category are centred on its
// tick whatever series have a value there (a category with one bar has it
// on the tick), and each bar carries its value.
func addBars(p *plot.Plot, c *Chart, legends *legendSet) error {
	ncat := max(len(c.Categories), 1)
	// the plot area is about the chart's width less the legend and the
	// Y axis: a category gets that over ncat, a group 60% of it
	area := float64(chartWidth - 2.5*vg.Inch)
	group := 0.6 * area / float64(ncat)
	width := vg.Length(min(group/float64(max(len(c.Series), 1)), float64(vg.Points(90))))
	at := map[float64][]int{} // category → series with a value there
	for j, s := range c.Series {
		for _, pt := range s.Points {
			at[pt.X] = append(at[pt.X], j)
		}
	}
	for j, s := range c.Series {
		col := seriesColor(s.Color)
		for _, pt := range s.Points {
			b, err := plotter.NewBarChart(plotter.Values{pt.Y}, width)
			if err != nil {
				return fmt.Errorf("report: chart %s: %w", c.File, err)
			}
			here := at[pt.X]
			k := 0
			for i, sj := range here {
				if sj == j {
					k = i
				}
			}
			b.XMin = pt.X
			b.Color = col
			b.LineStyle.Width = 0
			b.Offset = width * vg.Length(float64(k)-float64(len(here)-1)/2)
			p.Add(b)
			legends.add(s.Name, b)
			l, err := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{{X: pt.X, Y: pt.Y}}, Labels: []string{sigFigs(pt.Y)}})
			if err != nil {
				return fmt.Errorf("report: chart %s: %w", c.File, err)
			}
			l.TextStyle[0].Font.Size = vg.Points(tickSize)
			l.TextStyle[0].XAlign = draw.XCenter
			l.Offset = vg.Point{X: b.Offset, Y: vg.Points(3)}
			p.Add(l)
		}
	}
	p.NominalX(c.Categories...)
	p.X.Min, p.X.Max = -0.6, float64(len(c.Categories))-0.4
	p.Y.Min = 0
	p.Y.Max *= 1.12 // room for the value labels
	return nil
}

// sigFigs formats v with three significant figures, thousands as "k".
func sigFigs(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 1e6:
		return trimFloat(v/1e6, 3) + "M"
	case a >= 1e4:
		return trimFloat(v/1e3, 3) + "k"
	}
	return trimFloat(v, 3)
}

func trimFloat(v float64, sig int) string {
	if v == 0 {
		return "0"
	}
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', sig, 64), 64)
	return strconv.FormatFloat(r, 'f', -1, 64)
}

// readableLogTicks labels a log axis at 1, 2 and 5 times the powers of ten
// (powers of ten alone, with unlabelled minor ticks, when the axis spans
// more than three decades; more steps when it spans less than one), as
// plain numbers ("0.05", "2", "500", "20k") rather than "1e+02".
type readableLogTicks struct{}

func (readableLogTicks) Ticks(lo, hi float64) []plot.Tick {
	if lo <= 0 || hi <= lo {
		return nil
	}
	decades := math.Log10(hi / lo)
	mults := []float64{1, 2, 5}
	minor := []float64{}
	switch {
	case decades > 3:
		mults, minor = []float64{1}, []float64{2, 3, 4, 5, 6, 7, 8, 9}
	case decades < 1:
		mults = []float64{1, 1.5, 2, 3, 4, 5, 6, 7, 8}
	default:
		minor = []float64{3, 4, 6, 7, 8, 9}
	}
	var ts []plot.Tick
	for e := math.Floor(math.Log10(lo)) - 1; e <= math.Ceil(math.Log10(hi)); e++ {
		base := math.Pow(10, e)
		for _, m := range mults {
			if v := m * base; v >= lo*(1-1e-9) && v <= hi*(1+1e-9) {
				ts = append(ts, plot.Tick{Value: v, Label: sigFigs(v)})
			}
		}
		for _, m := range minor {
			if v := m * base; v >= lo && v <= hi {
				ts = append(ts, plot.Tick{Value: v})
			}
		}
	}
	if labelled(ts) < 2 { // a narrow range: its ends, labelled
		ts = append(ts, plot.Tick{Value: lo, Label: sigFigs(lo)}, plot.Tick{Value: hi, Label: sigFigs(hi)})
	}
	return ts
}

func labelled(ts []plot.Tick) int {
	n := 0
	for _, t := range ts {
		if t.Label != "" {
			n++
		}
	}
	return n
}
