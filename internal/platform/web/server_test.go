package web

import (
	"net/http/httptest"
	"testing"
)

func TestClientIPBehindTrustedProxy(t *testing.T) {
	nets, err := ParseCIDRs("10.0.0.0/8, 192.168.1.5")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{cfg: Config{TrustedProxies: nets}}
	cases := []struct{ remote, xff, want string }{
		{"203.0.113.7:1234", "", "203.0.113.7"},
		{"203.0.113.7:1234", "1.2.3.4", "203.0.113.7"},                     // untrusted peer: header ignored
		{"10.1.2.3:80", "198.51.100.9", "198.51.100.9"},                    // trusted proxy
		{"10.1.2.3:80", "1.1.1.1, 198.51.100.9, 10.0.0.2", "198.51.100.9"}, // nearest untrusted hop
		{"192.168.1.5:80", "garbage", "192.168.1.5"},
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.remote
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if got := s.clientIP(r); got != c.want {
			t.Errorf("%s / %q: got %s, want %s", c.remote, c.xff, got, c.want)
		}
	}
	if _, err := ParseCIDRs("pas-un-réseau"); err == nil {
		t.Error("bad network accepted")
	}
}

func TestFormatNumber(t *testing.T) {
	cases := []struct {
		lang string
		v    float64
		d    int
		want string
	}{
		{"fr", 1234567.891, 1, "1\u202f234\u202f567,9"},
		{"en", 1234567.891, 1, "1,234,567.9"},
		{"fr", -0.004, 2, "0,00"},
		{"fr", -12.5, 0, "−13"},
		{"en", 999, 0, "999"},
	}
	for _, c := range cases {
		if got := FormatNumber(c.lang, c.v, c.d); got != c.want {
			t.Errorf("FormatNumber(%s, %v, %d) = %q, want %q", c.lang, c.v, c.d, got, c.want)
		}
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{"/compte": "/compte", "//evil": "/", "https://evil": "/", "/\\evil": "/", "": "/"} {
		if got := SafeNext(in, "/"); got != want {
			t.Errorf("SafeNext(%q) = %q", in, got)
		}
	}
}
