package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
)

// APIDoc assembles the OpenAPI 3.1 document from the fragments each
// capability contributes (a JSON object with "paths" and optionally
// "components"), so the document lives next to the handlers it describes.
type APIDoc struct {
	mu         sync.Mutex
	paths      map[string]map[string]any
	components map[string]map[string]any
	tags       []map[string]any
	version    string
}

// NewAPIDoc returns an empty document.
func NewAPIDoc(version string) *APIDoc {
	return &APIDoc{paths: map[string]map[string]any{}, components: map[string]map[string]any{}, version: version}
}

// Add merges a fragment; it fails on malformed JSON or on a path+method
// described twice.
func (d *APIDoc) Add(fragment []byte) error {
	var f struct {
		Tags       []map[string]any          `json:"tags"`
		Paths      map[string]map[string]any `json:"paths"`
		Components map[string]map[string]any `json:"components"`
	}
	if err := json.Unmarshal(fragment, &f); err != nil {
		return fmt.Errorf("openapi fragment: %w", err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.tags = append(d.tags, f.Tags...)
	for p, ops := range f.Paths {
		if d.paths[p] == nil {
			d.paths[p] = map[string]any{}
		}
		for m, op := range ops {
			if _, dup := d.paths[p][m]; dup {
				return fmt.Errorf("openapi: %s %s described twice", m, p)
			}
			d.paths[p][m] = op
		}
	}
	for kind, items := range f.Components {
		if d.components[kind] == nil {
			d.components[kind] = map[string]any{}
		}
		for name, v := range items {
			d.components[kind][name] = v
		}
	}
	return nil
}

// MustAdd is Add for embedded fragments: a broken one must not start.
func (d *APIDoc) MustAdd(fragment []byte) {
	if err := d.Add(fragment); err != nil {
		panic(err)
	}
}

// Document returns the whole OpenAPI document.
func (d *APIDoc) Document(baseURL string) map[string]any {
	d.mu.Lock()
	defer d.mu.Unlock()
	comps := map[string]any{}
	for k, v := range d.components {
		comps[k] = v
	}
	schemes, _ := comps["securitySchemes"].(map[string]any)
	if schemes == nil {
		schemes = map[string]any{}
		comps["securitySchemes"] = schemes
	}
	schemes["bearer"] = map[string]any{"type": "http", "scheme": "bearer", "description": "Jeton d'API créé sur /compte ou par `fabrique token create` (API token)."}
	schemas, _ := comps["schemas"].(map[string]any)
	if schemas == nil {
		schemas = map[string]any{}
		comps["schemas"] = schemas
	}
	schemas["Error"] = map[string]any{
		"type": "object", "required": []string{"error"},
		"properties": map[string]any{"error": map[string]any{
			"type": "object", "required": []string{"code", "message"},
			"properties": map[string]any{
				"code":    map[string]any{"type": "string", "enum": []string{"not_found", "invalid", "conflict", "forbidden", "unauthorized", "too_many_requests", "too_large", "internal"}},
				"message": map[string]any{"type": "string"},
				"details": map[string]any{"type": "array", "items": map[string]any{"type": "object", "properties": map[string]any{
					"field": map[string]any{"type": "string"}, "line": map[string]any{"type": "integer"},
					"column": map[string]any{"type": "integer"}, "message": map[string]any{"type": "string"}}}},
			}}}}
	tags := append([]map[string]any(nil), d.tags...)
	sort.Slice(tags, func(i, j int) bool { return fmt.Sprint(tags[i]["name"]) < fmt.Sprint(tags[j]["name"]) })
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":       "Fabrique des Énergies — API ouverte",
			"version":     d.version,
			"description": "API JSON de la Fabrique des Énergies : territoires, ressources communes, observatoire des communautés énergétiques, régie de données, autoconsommation collective. Les erreurs ont la forme {\"error\":{\"code\",\"message\"}}. Open JSON API of the Fabrique des Énergies.",
			"license":     map[string]any{"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
		},
		"servers":    []map[string]any{{"url": strings.TrimRight(baseURL, "/")}},
		"tags":       tags,
		"paths":      d.paths,
		"components": comps,
		"security":   []map[string]any{{}, {"bearer": []string{}}},
	}
}

// Has reports whether method+path (an OpenAPI path such as
// /api/v1/territories/{kind}/{code}) is described.
func (d *APIDoc) Has(method, path string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	ops, ok := d.paths[path]
	if !ok {
		return false
	}
	_, ok = ops[strings.ToLower(method)]
	return ok
}

// Route serves the document.
func (d *APIDoc) Route(baseURL string) Route {
	return Route{Method: "GET", Pattern: "/api/v1/openapi.json", Access: Public, Handler: func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		WriteJSON(w, http.StatusOK, d.Document(baseURL))
		return nil
	}}
}
