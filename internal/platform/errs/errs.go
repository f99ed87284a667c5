// Package errs gives every failure a code that the HTTP edge maps to a
// status once, and a message a person can read in French or English.
package errs

import (
	"errors"
	"fmt"

	"github.com/fabrique-des-energies/fabrique/internal/platform/i18n"
)

// Code classifies an error for callers and for the HTTP edge.
type Code string

const (
	NotFound     Code = "not_found"
	Invalid      Code = "invalid"
	Conflict     Code = "conflict"
	Forbidden    Code = "forbidden"
	Unauthorized Code = "unauthorized"
	TooMany      Code = "too_many_requests"
	TooLarge     Code = "too_large"
	Internal     Code = "internal"
)

// Detail points at one precise problem in the input: a field, a line, a column.
type Detail struct {
	Field   string    `json:"field,omitempty"`
	Line    int       `json:"line,omitempty"`
	Column  int       `json:"column,omitempty"`
	Message i18n.Text `json:"message"`
}

// Error is a coded, user-facing error. Err, when set, is the internal cause:
// it is logged, never shown.
type Error struct {
	Code    Code
	Message i18n.Text
	Details []Detail
	Err     error
}

func (e *Error) Error() string {
	msg := string(e.Code) + ": " + e.Message.EN
	if e.Message.EN == "" {
		msg = string(e.Code) + ": " + e.Message.FR
	}
	for _, d := range e.Details {
		msg += "; " + d.String()
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// String renders a detail in English for logs and terminals.
func (d Detail) String() string {
	s := ""
	if d.Line > 0 {
		s += fmt.Sprintf("line %d", d.Line)
	}
	if d.Column > 0 {
		s += fmt.Sprintf(", column %d", d.Column)
	}
	if d.Field != "" {
		if s != "" {
			s += ", "
		}
		s += "field " + d.Field
	}
	if s != "" {
		s += ": "
	}
	if d.Message.EN != "" {
		return s + d.Message.EN
	}
	return s + d.Message.FR
}

// New builds an error with a French and an English message.
func New(code Code, fr, en string) *Error {
	return &Error{Code: code, Message: i18n.T(fr, en)}
}

// Wrap marks an internal cause as an error of the given code.
func Wrap(code Code, err error, fr, en string) *Error {
	return &Error{Code: code, Message: i18n.T(fr, en), Err: err}
}

// With appends a detail and returns the error for chaining.
func (e *Error) With(d Detail) *Error {
	e.Details = append(e.Details, d)
	return e
}

// Field is a shortcut for an invalid-field error.
func Field(field, fr, en string) *Error {
	return &Error{Code: Invalid, Message: i18n.T(fr, en),
		Details: []Detail{{Field: field, Message: i18n.T(fr, en)}}}
}

// NotFoundf is the usual "no such thing" error.
func NotFoundf(what i18n.Text) *Error {
	return &Error{Code: NotFound, Message: i18n.T(what.FR+" introuvable", what.EN+" not found")}
}

// CodeOf returns the code of err, Internal for uncoded errors, "" for nil.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// Is reports whether err carries the given code.
func Is(err error, code Code) bool { return err != nil && CodeOf(err) == code }

// As returns the coded error inside err, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
