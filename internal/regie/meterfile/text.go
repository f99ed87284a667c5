package meterfile

import (
	"bytes"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// decodeText strips a UTF-8 byte-order mark and converts UTF-16 text (with a
// byte-order mark, as spreadsheet programs write "Unicode text") to UTF-8.
func decodeText(b []byte) []byte {
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		return b[3:]
	case len(b) >= 2 && b[0] == 0xFF && b[1] == 0xFE:
		return utf16ToUTF8(b[2:], false)
	case len(b) >= 2 && b[0] == 0xFE && b[1] == 0xFF:
		return utf16ToUTF8(b[2:], true)
	}
	return b
}

func utf16ToUTF8(b []byte, bigEndian bool) []byte {
	u := make([]uint16, len(b)/2)
	for i := range u {
		if bigEndian {
			u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
		} else {
			u[i] = uint16(b[2*i+1])<<8 | uint16(b[2*i])
		}
	}
	return []byte(string(utf16.Decode(u)))
}

// lineReader walks through the lines of a text, numbering them from 1. It
// accepts LF, CRLF and, when the text has no LF at all, lone CR endings.
type lineReader struct {
	data []byte
	pos  int
	n    int // number of the line last returned
	eol  byte
}

func newLineReader(data []byte) *lineReader {
	eol := byte('\n')
	if bytes.IndexByte(data, '\n') < 0 && bytes.IndexByte(data, '\r') >= 0 {
		eol = '\r'
	}
	return &lineReader{data: data, eol: eol}
}

func (l *lineReader) next() ([]byte, bool) {
	if l.pos >= len(l.data) {
		return nil, false
	}
	rest := l.data[l.pos:]
	var line []byte
	if i := bytes.IndexByte(rest, l.eol); i >= 0 {
		line = rest[:i]
		l.pos += i + 1
	} else {
		line = rest
		l.pos = len(l.data)
	}
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	l.n++
	return line, true
}

// countLines returns the number of lines a text holds (at least 1).
func countLines(data []byte) int {
	n := bytes.Count(data, []byte{'\n'})
	if n == 0 {
		n = bytes.Count(data, []byte{'\r'})
	}
	return n + 1
}

func isBlank(line []byte) bool {
	for _, c := range line {
		if c != ' ' && c != '\t' && c != ',' && c != ';' {
			return false
		}
	}
	return true
}

// sepOf picks the field separator of a header line: ';' first, then tab, then ','.
func sepOf(line []byte) byte {
	switch {
	case bytes.IndexByte(line, ';') >= 0:
		return ';'
	case bytes.IndexByte(line, '\t') >= 0:
		return '\t'
	}
	return ','
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// splitFields splits a line on sep into dst (reused). Fields may be quoted
// with double quotes ("" inside quotes is a literal quote); surrounding spaces
// are trimmed. ok is false for an unterminated quote.
func splitFields(line []byte, sep byte, dst [][]byte) (fields [][]byte, ok bool) {
	dst = dst[:0]
	if bytes.IndexByte(line, '"') < 0 {
		for {
			i := bytes.IndexByte(line, sep)
			if i < 0 {
				return append(dst, trimSpace(line)), true
			}
			dst = append(dst, trimSpace(line[:i]))
			line = line[i+1:]
		}
	}
	for {
		line = trimSpace(line)
		if len(line) > 0 && line[0] == '"' {
			var f []byte
			i := 1
			closed := false
			for i < len(line) {
				c := line[i]
				if c == '"' {
					if i+1 < len(line) && line[i+1] == '"' {
						f = append(f, '"')
						i += 2
						continue
					}
					closed = true
					i++
					break
				}
				f = append(f, c)
				i++
			}
			if !closed {
				return dst, false
			}
			rest := trimSpace(line[i:])
			if len(rest) == 0 {
				return append(dst, f), true
			}
			if rest[0] != sep {
				return dst, false
			}
			dst = append(dst, f)
			line = rest[1:]
			continue
		}
		i := bytes.IndexByte(line, sep)
		if i < 0 {
			return append(dst, trimSpace(line)), true
		}
		dst = append(dst, trimSpace(line[:i]))
		line = line[i+1:]
	}
}

// trimTrailingEmpty drops empty fields at the end of a row (exports often end rows with a separator).
func trimTrailingEmpty(f [][]byte) [][]byte {
	for len(f) > 0 && len(f[len(f)-1]) == 0 {
		f = f[:len(f)-1]
	}
	return f
}

var foldMap = map[rune]rune{
	'à': 'a', 'â': 'a', 'ä': 'a', 'á': 'a', 'ã': 'a', 'å': 'a',
	'ç': 'c',
	'é': 'e', 'è': 'e', 'ê': 'e', 'ë': 'e',
	'î': 'i', 'ï': 'i', 'í': 'i', 'ì': 'i',
	'ô': 'o', 'ö': 'o', 'ó': 'o', 'ò': 'o', 'õ': 'o',
	'ù': 'u', 'û': 'u', 'ü': 'u', 'ú': 'u',
	'ÿ': 'y', 'œ': 'o',
}

// fold turns a header name into a comparable key: lower case, no accents,
// single spaces. Bytes that are not valid UTF-8 are read as Latin-1, since
// exports re-saved by spreadsheets on Windows often are.
func fold(b []byte) string {
	var sb strings.Builder
	sb.Grow(len(b))
	space := false
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size <= 1 {
			r = rune(b[0])
			size = 1
		}
		b = b[size:]
		switch r {
		case ' ', '\t', '\u00a0', '\u202f', '_':
			space = true
			continue
		}
		if r >= 'A' && r <= 'Z' {
			r += 'a' - 'A'
		} else if r >= 0xC0 {
			if r <= 0xDE && r != 0xD7 {
				r += 0x20 // Latin-1 upper case to lower case
			}
			if f, ok := foldMap[r]; ok {
				r = f
			}
		}
		if space && sb.Len() > 0 {
			sb.WriteByte(' ')
		}
		space = false
		sb.WriteRune(r)
	}
	return sb.String()
}

// shown renders untrusted text for an error message: at most 40 characters,
// control and invalid bytes escaped.
func shown(b []byte) string {
	const max = 40
	var sb strings.Builder
	n := 0
	for len(b) > 0 {
		if n == max {
			sb.WriteString("…")
			break
		}
		r, size := utf8.DecodeRune(b)
		switch {
		case r == utf8.RuneError && size <= 1:
			sb.WriteString(`\x`)
			sb.WriteByte("0123456789abcdef"[b[0]>>4])
			sb.WriteByte("0123456789abcdef"[b[0]&15])
		case r < 0x20 || r == 0x7f:
			sb.WriteString(`\x`)
			sb.WriteByte("0123456789abcdef"[r>>4])
			sb.WriteByte("0123456789abcdef"[r&15])
		default:
			sb.WriteRune(r)
		}
		b = b[size:]
		n++
	}
	return sb.String()
}
