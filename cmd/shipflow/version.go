package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
)

func runVersion(_ context.Context, _ []string, e env) error {
	sdk := "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range bi.Deps {
			if m.Path == "go.temporal.io/sdk" {
				sdk = m.Version
			}
		}
	}
	fmt.Fprintf(e.stdout, "shipflow %s (%s, temporal sdk %s)\n", version, runtime.Version(), sdk)
	return nil
}
