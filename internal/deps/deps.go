//go:build tools

package deps

import (
	_ "github.com/HdrHistogram/hdrhistogram-go"
	_ "github.com/montanaflynn/stats"
	_ "github.com/panjf2000/ants/v2"
	_ "github.com/schollz/progressbar/v3"
	_ "github.com/stretchr/testify/require"
	_ "github.com/valyala/fastjson"
	_ "golang.org/x/perf/benchfmt"
	_ "golang.org/x/perf/benchmath"
	_ "golang.org/x/perf/benchproc"
	_ "golang.org/x/time/rate"
	_ "gonum.org/v1/plot"
)
