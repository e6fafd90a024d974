//go:build parser_fsm || !(parser_find || parser_careless)

package main

// Seed chapter 6: single-pass state machine (default).
import "metricstream/variants/parser"

var parserVariant, newParser = "fsm", parser.NewFSM
