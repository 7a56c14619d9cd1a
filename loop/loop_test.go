package loop_test

import (
	"context"
	"testing"
	"time"

	"github.com/shipflow/shipflow/loop"
)

func TestDrainRunsFullPassesBackToBackAndWakes(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	wake := make(chan struct{})
	passes := make(chan int, 10)
	n := 0
	go loop.Drain(ctx, time.Hour, wake, func(context.Context) bool {
		n++
		passes <- n
		return n < 3 // three full passes, then wait
	})
	for want := 1; want <= 3; want++ {
		if got := <-passes; got != want {
			t.Fatalf("pass %d, want %d", got, want)
		}
	}
	select {
	case got := <-passes:
		t.Fatalf("pass %d ran without a wake", got)
	case <-time.After(50 * time.Millisecond):
	}
	wake <- struct{}{}
	if got := <-passes; got != 4 {
		t.Fatalf("after a wake: pass %d, want 4", got)
	}
}

func TestEveryRunsAtOnceAndStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	ran := make(chan struct{}, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		loop.Every(ctx, time.Hour, func(context.Context) { ran <- struct{}{} })
	}()
	<-ran
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Every did not return after its context ended")
	}
}
