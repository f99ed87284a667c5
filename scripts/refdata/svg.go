package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

const svgFile = "france.departments.svg"

type svgPath struct {
	Code string `json:"code"`
	D    string `json:"d"`
}

type svgMap struct {
	ViewBox      string    `json:"viewBox"`
	Departements []svgPath `json:"departements"`
}

// parseSVG keeps the viewBox of the root element and, for each <path>, its
// id (the département code) and its outline.
func parseSVG(raw []byte) (*svgMap, error) {
	m := &svgMap{}
	d := xml.NewDecoder(bytes.NewReader(raw))
	seen := map[string]bool{}
	root := true
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			line, _ := d.InputPos()
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		el, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		attr := func(name string) string {
			for _, a := range el.Attr {
				if a.Name.Local == name {
					return a.Value
				}
			}
			return ""
		}
		if root {
			if el.Name.Local != "svg" {
				return nil, fmt.Errorf("root element is <%s>, want <svg>", el.Name.Local)
			}
			m.ViewBox = strings.Join(strings.Fields(attr("viewBox")), " ")
			if len(strings.Fields(m.ViewBox)) != 4 {
				return nil, fmt.Errorf("viewBox %q: want four numbers", m.ViewBox)
			}
			root = false
			continue
		}
		if el.Name.Local != "path" {
			continue
		}
		line, _ := d.InputPos()
		p := svgPath{Code: attr("id"), D: strings.Join(strings.Fields(attr("d")), " ")}
		switch {
		case p.Code == "":
			return nil, fmt.Errorf("line %d: <path> without id", line)
		case p.D == "":
			return nil, fmt.Errorf("line %d: <path id=%q> without d", line, p.Code)
		case seen[p.Code]:
			return nil, fmt.Errorf("line %d: <path id=%q> appears twice", line, p.Code)
		}
		seen[p.Code] = true
		m.Departements = append(m.Departements, p)
	}
	if root {
		return nil, errors.New("no <svg> element")
	}
	slices.SortFunc(m.Departements, func(a, b svgPath) int { return strings.Compare(a.Code, b.Code) })
	return m, nil
}

// check requires one outline per metropolitan département and nothing else.
func (m *svgMap) check(r *referential, want int) error {
	if len(m.Departements) != want {
		return fmt.Errorf("%d outlines, want %d", len(m.Departements), want)
	}
	metro := map[string]bool{}
	for _, d := range r.departements {
		if d.Zone == "metro" {
			metro[d.Code] = true
		}
	}
	for _, p := range m.Departements {
		if !metro[p.Code] {
			return fmt.Errorf("outline %q is not a metropolitan département", p.Code)
		}
	}
	if len(metro) != len(m.Departements) {
		return fmt.Errorf("%d metropolitan départements but %d outlines", len(metro), len(m.Departements))
	}
	return nil
}

func (m *svgMap) json() []byte {
	b, err := json.Marshal(m)
	if err != nil {
		panic(err) // plain strings always marshal
	}
	return gz(b)
}
