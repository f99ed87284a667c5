package regie

import (
	"bytes"
	"errors"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/regie/block"
)

// FuzzImportFile feeds arbitrary bytes to the import path up to the store:
// parse, cut into blocks, encode. A file is either refused with a coded
// error naming a line, or its blocks decode back to the same values.
func FuzzImportFile(f *testing.F) {
	f.Add(customerFile(f, "25000000000100", jan2025, 30*time.Minute, watts(1, 96)))
	f.Add([]byte("timestamp;kwh\n2025-01-01T00:00:00Z;0,5\n2025-01-01T00:30:00Z;0,6\n"))
	f.Add([]byte("\xef\xbb\xbfHorodate;Valeur\r\n2025-03-30T01:30:00+01:00;100\r\n2025-03-30T03:00:00+02:00;\r\n"))
	m := Meter{ID: 1, PRM: "25000000000100"}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := parseFile(m, 1, data, ImportOptions{})
		if err != nil {
			e, ok := errs.As(err)
			if !ok || (e.Code != errs.Invalid && e.Code != errs.TooLarge) {
				t.Fatalf("uncoded or unexpected error: %v", err)
			}
			for _, d := range e.Details {
				if d.Line < 1 && d.Field == "" {
					t.Fatalf("detail without a line or a field: %+v", d)
				}
			}
			return
		}
		points := 0
		for i, ch := range p.chunks {
			got, err := block.DecodeChunk(ch.Month, p.encoded[i])
			if err != nil {
				t.Fatalf("block %d does not decode: %v", i, err)
			}
			if got.Step != ch.Step || !slices.Equal(got.Present, ch.Present) {
				t.Fatalf("block %d: step or gaps changed", i)
			}
			for j := range got.Values {
				if got.Present[j] && got.Values[j] != ch.Values[j] {
					t.Fatalf("block %d value %d: %d became %d", i, j, ch.Values[j], got.Values[j])
				}
			}
			points += ch.Points()
		}
		if points == 0 {
			t.Fatal("a file without values was accepted")
		}
	})
}

// FuzzUpload feeds arbitrary bodies and content types to the upload reader
// of the import routes (raw body or multipart field "file"): it returns the
// file or a coded error, never a panic.
func FuzzUpload(f *testing.F) {
	var mb bytes.Buffer
	w := multipart.NewWriter(&mb)
	fw, _ := w.CreateFormFile("file", "mes-mesures.csv")
	fw.Write([]byte("Horodate;Valeur\n2025-01-01T00:30:00+01:00;100\n"))
	w.WriteField("format", "customer-load-curve")
	w.Close()
	f.Add(w.FormDataContentType(), mb.Bytes())
	f.Add("text/csv", []byte("timestamp;kwh\n"))
	f.Add("multipart/form-data; boundary=x", []byte("--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\nabc\r\n--x--\r\n"))
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		r := httptest.NewRequest("POST", "/api/v1/me/meters/25000000000100/readings", bytes.NewReader(body))
		r.Header.Set("Content-Type", contentType)
		r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, 1<<20)
		data, _, err := uploadedFile(r)
		if err != nil {
			if _, ok := errs.As(err); !ok {
				var mbe *http.MaxBytesError
				if !errorsAs(err, &mbe) {
					t.Fatalf("uncoded error: %v", err)
				}
			}
			return
		}
		if len(bytes.TrimSpace(data)) == 0 {
			t.Fatal("an empty file was accepted")
		}
	})
}

func errorsAs(err error, target **http.MaxBytesError) bool { return errors.As(err, target) }
