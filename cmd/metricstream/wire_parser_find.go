//go:build parser_find

package main

// Seed chapter 5: string-search parser.
import "metricstream/variants/parser"

var parserVariant, newParser = "find", parser.NewFind
