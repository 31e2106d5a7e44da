package sidecar

import (
	"testing"
	"time"
)

// BenchmarkObserve measures what each request pays for its metrics: one
// call of observe, as the handler makes after every request.
func BenchmarkObserve(b *testing.B) {
	m := newMetrics()
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			m.observe(routeFree, 200, 180*time.Microsecond)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				m.observe(routeFree, 200, 180*time.Microsecond)
			}
		})
	})
}
