package web

import (
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Metrics keeps request counters and latency histograms per route pattern
// and status, and any gauges the app adds, in the Prometheus text format.
type Metrics struct {
	mu       sync.Mutex
	requests map[reqKey]*histogram
	gauges   []func() []Gauge
	started  time.Time
}

type reqKey struct {
	route  string
	status int
}

// latency buckets in seconds
var buckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

type histogram struct {
	counts []uint64
	count  uint64
	sum    float64
}

// Gauge is one sample of a gauge family.
type Gauge struct {
	Name, Help string
	Labels     map[string]string
	Value      float64
}

// NewMetrics returns an empty registry.
func NewMetrics() *Metrics {
	return &Metrics{requests: map[reqKey]*histogram{}, started: time.Now()}
}

// AddGauges registers a function sampled at each scrape.
func (m *Metrics) AddGauges(f func() []Gauge) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.gauges = append(m.gauges, f)
}

func (m *Metrics) observeRequest(route string, status int, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := reqKey{route, status}
	h := m.requests[k]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(buckets))}
		m.requests[k] = h
	}
	sec := d.Seconds()
	for i, b := range buckets {
		if sec <= b {
			h.counts[i]++
		}
	}
	h.count++
	h.sum += sec
}

func escLabel(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	s = strings.ReplaceAll(s, "\n", `\n`)
	return strings.ReplaceAll(s, `"`, `\"`)
}

// WriteTo writes the metrics in the Prometheus text exposition format.
func (m *Metrics) WriteTo(w io.Writer) (int64, error) {
	m.mu.Lock()
	keys := make([]reqKey, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].route != keys[j].route {
			return keys[i].route < keys[j].route
		}
		return keys[i].status < keys[j].status
	})
	var b strings.Builder
	b.WriteString("# HELP fabrique_http_requests_total HTTP requests by route pattern and status.\n# TYPE fabrique_http_requests_total counter\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "fabrique_http_requests_total{route=\"%s\",status=\"%d\"} %d\n", escLabel(k.route), k.status, m.requests[k].count)
	}
	b.WriteString("# HELP fabrique_http_request_duration_seconds HTTP request latency by route pattern and status.\n# TYPE fabrique_http_request_duration_seconds histogram\n")
	for _, k := range keys {
		h := m.requests[k]
		lbl := fmt.Sprintf("route=\"%s\",status=\"%d\"", escLabel(k.route), k.status)
		for i, bound := range buckets {
			fmt.Fprintf(&b, "fabrique_http_request_duration_seconds_bucket{%s,le=\"%s\"} %d\n", lbl, strconv.FormatFloat(bound, 'g', -1, 64), h.counts[i])
		}
		fmt.Fprintf(&b, "fabrique_http_request_duration_seconds_bucket{%s,le=\"+Inf\"} %d\n", lbl, h.count)
		fmt.Fprintf(&b, "fabrique_http_request_duration_seconds_sum{%s} %g\n", lbl, h.sum)
		fmt.Fprintf(&b, "fabrique_http_request_duration_seconds_count{%s} %d\n", lbl, h.count)
	}
	gaugeFns := append([]func() []Gauge(nil), m.gauges...)
	started := m.started
	m.mu.Unlock()

	fmt.Fprintf(&b, "# HELP fabrique_uptime_seconds Seconds since the process started.\n# TYPE fabrique_uptime_seconds gauge\nfabrique_uptime_seconds %g\n", time.Since(started).Seconds())
	seen := map[string]bool{}
	for _, f := range gaugeFns {
		for _, g := range f() {
			if !seen[g.Name] {
				fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s gauge\n", g.Name, g.Help, g.Name)
				seen[g.Name] = true
			}
			b.WriteString(g.Name)
			if len(g.Labels) > 0 {
				names := make([]string, 0, len(g.Labels))
				for n := range g.Labels {
					names = append(names, n)
				}
				sort.Strings(names)
				b.WriteByte('{')
				for i, n := range names {
					if i > 0 {
						b.WriteByte(',')
					}
					fmt.Fprintf(&b, "%s=\"%s\"", n, escLabel(g.Labels[n]))
				}
				b.WriteByte('}')
			}
			fmt.Fprintf(&b, " %g\n", g.Value)
		}
	}
	n, err := io.WriteString(w, b.String())
	return int64(n), err
}

// ServeHTTP exposes the metrics.
func (m *Metrics) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	_, _ = m.WriteTo(w)
}
