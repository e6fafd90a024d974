//go:build parser_careless

package main

// Seed chapter 5, as written: find-based parse (a seed design).
import "metricstream/variants/parser"

var parserVariant, newParser = "careless", parser.NewCareless
