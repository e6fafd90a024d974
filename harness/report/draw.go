package report

import (
	"bytes"
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Chart size in the PNG.
const (
	chartWidth  = 20 * vg.Centimeter
	chartHeight = 11 * vg.Centimeter
)

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

func xys(pts []Point) plotter.XYs {
	out := make(plotter.XYs, len(pts))
	for i, p := range pts {
		out[i] = plotter.XY{X: p.X, Y: p.Y}
	}
	return out
}

// RenderPNG draws c as a PNG.
func RenderPNG(c *Chart) (out []byte, err error) {
	defer func() {
		// gonum/plot panics on impossible axes (e.g. log of 0); the
		// builders drop such points, but a report must not crash.
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("report: chart %s: %v", c.File, r)
		}
	}()
	p := plot.New()
	p.Title.Text = c.Title
	p.X.Label.Text = c.XLabel
	p.Y.Label.Text = c.YLabel
	p.Add(plotter.NewGrid())
	if c.LogX {
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = plot.LogTicks{Prec: -1}
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
		p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	}
	if c.Stacked {
		if err := addStacked(p, c); err != nil {
			return nil, err
		}
	} else if c.Bars {
		if err := addBars(p, c); err != nil {
			return nil, err
		}
	} else if err := addLines(p, c); err != nil {
		return nil, err
	}
	if len(c.Markers) > 0 {
		var pts []Point
		var labels []string
		for _, m := range c.Markers {
			s, err := plotter.NewScatter(xys([]Point{m.Point}))
			if err != nil {
				return nil, fmt.Errorf("report: chart %s: %w", c.File, err)
			}
			s.GlyphStyle = draw.GlyphStyle{Color: seriesColor(m.Color), Radius: vg.Points(7), Shape: draw.RingGlyph{}}
			p.Add(s)
			pts = append(pts, m.Point)
			labels = append(labels, m.Label)
		}
		l, err := plotter.NewLabels(plotter.XYLabels{XYs: xys(pts), Labels: labels})
		if err != nil {
			return nil, fmt.Errorf("report: chart %s: %w", c.File, err)
		}
		for i := range l.TextStyle {
			l.TextStyle[i].XAlign = draw.XRight
			l.TextStyle[i].YAlign = draw.YBottom
		}
		p.Add(l)
	}
	// The legend goes in a margin right of the plot, where it can hide
	// no data however many series there are.
	img := vgimg.New(chartWidth, chartHeight)
	dc := draw.New(img)
	legend := p.Legend
	p.Legend = plot.NewLegend()
	legend.Top, legend.Left = true, true
	legend.TextStyle.Font.Size = vg.Points(10)
	lw := legend.Rectangle(dc).Size().X + vg.Points(12)
	p.Draw(draw.Crop(dc, 0, -lw, 0, 0))
	legend.YOffs = -vg.Points(24) // below the title
	legend.Draw(draw.Crop(dc, chartWidth-lw+vg.Points(6), 0, 0, 0))
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("report: chart %s: %w", c.File, err)
	}
	return buf.Bytes(), nil
}

func addLines(p *plot.Plot, c *Chart) error {
	for _, s := range c.Series {
		l, sc, err := plotter.NewLinePoints(xys(s.Points))
		if err != nil {
			return fmt.Errorf("report: chart %s: %w", c.File, err)
		}
		col := seriesColor(s.Color)
		l.Color = col
		l.Width = vg.Points(1.5)
		l.Dashes = plotutil.Dashes(s.Dash)
		if s.Color < 0 || s.Line { // a reference line or a fitted curve: no points
			p.Add(l)
			p.Legend.Add(s.Name, l)
			continue
		}
		sc.Color = col
		sc.Shape = plotutil.Shape(s.Color)
		p.Add(l, sc)
		p.Legend.Add(s.Name, l, sc)
	}
	return nil
}

func addBars(p *plot.Plot, c *Chart) error {
	n := len(c.Series)
	// the category spacing is about 60pt with six presets: keep a group of
	// bars narrower than that so neighbours never overlap
	width := vg.Points(48 / float64(max(n, 1)))
	for j, s := range c.Series {
		col := seriesColor(s.Color)
		var first *plotter.BarChart
		for _, pt := range s.Points {
			b, err := plotter.NewBarChart(plotter.Values{pt.Y}, width)
			if err != nil {
				return fmt.Errorf("report: chart %s: %w", c.File, err)
			}
			b.XMin = pt.X
			b.Color = col
			b.LineStyle.Width = 0
			b.Offset = width * vg.Length(float64(j)-float64(n-1)/2)
			p.Add(b)
			if first == nil {
				first = b
			}
		}
		if first != nil {
			p.Legend.Add(s.Name, first)
		}
	}
	p.NominalX(c.Categories...)
	p.X.Min, p.X.Max = -0.6, float64(len(c.Categories))-0.4
	p.Y.Min = 0
	p.Y.Max *= 1.1
	return nil
}
