//go:build tools

package fabrique

import (
	_ "github.com/chromedp/chromedp"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "github.com/microcosm-cc/bluemonday"
	_ "github.com/yuin/goldmark"
	_ "golang.org/x/crypto/argon2"
	_ "golang.org/x/text/unicode/norm"
	_ "modernc.org/sqlite"
)
