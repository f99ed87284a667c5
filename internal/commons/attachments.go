package commons

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
)

// Files are kept in the database, in chunks of chunkSize bytes: every instance of a
// PostgreSQL deployment sees them without a shared disk, backups hold them, and a download
// streams one chunk at a time. Identical files are stored once (by SHA-256).
const chunkSize = 1 << 20

// CleanFilename keeps the last path element of an uploaded name, without control characters,
// at most 200 characters; "fichier" when nothing is left.
func CleanFilename(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = path.Base(name)
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' || r == utf8.RuneError {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "." || name == "/" || name == ".." {
		name = ""
	}
	if r := []rune(name); len(r) > 200 {
		ext := path.Ext(name)
		if len(ext) > 20 {
			ext = ""
		}
		name = string(r[:200-len([]rune(ext))]) + ext
	}
	if name == "" {
		name = "fichier"
	}
	return name
}

// byExtension refines a sniffed type that says too little: a CSV is text, an office document
// is a ZIP. The sniffed family must agree with the extension.
var byExtension = map[string]struct{ family, typ string }{
	".csv":     {"text/plain", "text/csv; charset=utf-8"},
	".tsv":     {"text/plain", "text/tab-separated-values; charset=utf-8"},
	".md":      {"text/plain", "text/markdown; charset=utf-8"},
	".json":    {"text/plain", "application/json"},
	".geojson": {"text/plain", "application/geo+json"},
	".ttl":     {"text/plain", "text/turtle; charset=utf-8"},
	".docx":    {"application/zip", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
	".xlsx":    {"application/zip", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
	".pptx":    {"application/zip", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
	".odt":     {"application/zip", "application/vnd.oasis.opendocument.text"},
	".ods":     {"application/zip", "application/vnd.oasis.opendocument.spreadsheet"},
	".odp":     {"application/zip", "application/vnd.oasis.opendocument.presentation"},
	".svg":     {"text/xml", "image/svg+xml"},
}

// SniffType returns the content type of a file from its first bytes (as browsers sniff),
// made precise by the extension only when both agree.
func SniffType(head []byte, filename string) string {
	t := http.DetectContentType(head)
	family, _, _ := mime.ParseMediaType(t)
	if r, ok := byExtension[strings.ToLower(path.Ext(filename))]; ok && r.family == family {
		return r.typ
	}
	return t
}

// spool copies an upload to a temporary file, hashing it and enforcing the size limit, so the
// database transaction never waits for a slow client.
func spool(src io.Reader) (*os.File, int64, string, []byte, error) {
	f, err := os.CreateTemp("", "fabrique-upload-*")
	if err != nil {
		return nil, 0, "", nil, err
	}
	fail := func(err error) (*os.File, int64, string, []byte, error) {
		f.Close()
		os.Remove(f.Name())
		return nil, 0, "", nil, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(src, MaxAttachment+1))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return fail(tooLarge())
		}
		return fail(err)
	}
	if n > MaxAttachment {
		return fail(tooLarge())
	}
	if n == 0 {
		return fail(errs.Field("file", "Le fichier est vide.", "The file is empty."))
	}
	head := make([]byte, min(n, 512))
	if _, err := f.ReadAt(head, 0); err != nil && err != io.EOF {
		return fail(err)
	}
	return f, n, hex.EncodeToString(h.Sum(nil)), head, nil
}

func tooLarge() error {
	return errs.New(errs.TooLarge, fmt.Sprintf("Le fichier dépasse %d Mio.", MaxAttachment>>20), fmt.Sprintf("The file is larger than %d MiB.", MaxAttachment>>20))
}

// AddAttachment stores a file (at most 20 MiB) and attaches it to a resource.
func (s *Service) AddAttachment(ctx context.Context, slug, filename string, src io.Reader, a Author) (*Attachment, error) {
	r, err := s.Resource(ctx, slug)
	if err != nil {
		return nil, err
	}
	if r.ReadOnly() {
		return nil, errs.New(errs.Forbidden, "Ressource moissonnée : ses fichiers se gèrent à sa source.", "Harvested resource: its files are managed at its source.")
	}
	if len(r.Attachments) >= MaxAttachments {
		return nil, errs.Field("file", fmt.Sprintf("%d fichiers au plus par ressource.", MaxAttachments), fmt.Sprintf("At most %d files per resource.", MaxAttachments))
	}
	f, size, sum, head, err := spool(src)
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	att := &Attachment{ResourceID: r.ID, Filename: CleanFilename(filename), ContentType: SniffType(head, filename), Size: size, SHA256: sum, CreatedAt: s.Now()}
	var uploader any
	if a.UserID != 0 {
		uploader = a.UserID
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		var blobID int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM commons_blobs WHERE sha256 = $1`, sum).Scan(&blobID)
		if errors.Is(err, sql.ErrNoRows) {
			if err := tx.QueryRowContext(ctx, `INSERT INTO commons_blobs (sha256, size, created_at) VALUES ($1, $2, $3) RETURNING id`, sum, size, att.CreatedAt).Scan(&blobID); err != nil {
				return err
			}
			buf := make([]byte, chunkSize)
			for n, off := 0, int64(0); off < size; n, off = n+1, off+chunkSize {
				k, err := f.ReadAt(buf, off)
				if err != nil && err != io.EOF {
					return err
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO commons_blob_chunks (blob_id, n, data) VALUES ($1, $2, $3)`, blobID, n, buf[:k]); err != nil {
					return err
				}
			}
		} else if err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `INSERT INTO resource_attachments (resource_id, blob_id, filename, content_type, size, uploaded_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, r.ID, blobID, att.Filename, att.ContentType, size, uploader, att.CreatedAt).Scan(&att.ID)
	})
	if err != nil {
		return nil, err
	}
	return att, nil
}

// Attachments lists a resource's files, oldest first.
func (s *Service) Attachments(ctx context.Context, resourceID int64) ([]Attachment, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT a.id, a.filename, a.content_type, a.size, b.sha256, a.created_at FROM resource_attachments a
		JOIN commons_blobs b ON b.id = a.blob_id WHERE a.resource_id = $1 ORDER BY a.id`, resourceID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Attachment{}
	for rows.Next() {
		x := Attachment{ResourceID: resourceID}
		if err := rows.Scan(&x.ID, &x.Filename, &x.ContentType, &x.Size, &x.SHA256, &x.CreatedAt); err != nil {
			return nil, err
		}
		x.CreatedAt = x.CreatedAt.UTC()
		out = append(out, x)
	}
	return out, rows.Err()
}

// Attachment returns one file of a resource.
func (s *Service) Attachment(ctx context.Context, resourceID, id int64) (Attachment, error) {
	x := Attachment{ID: id, ResourceID: resourceID}
	err := s.db.R.QueryRowContext(ctx, `SELECT a.filename, a.content_type, a.size, b.sha256, a.created_at FROM resource_attachments a
		JOIN commons_blobs b ON b.id = a.blob_id WHERE a.resource_id = $1 AND a.id = $2`, resourceID, id).
		Scan(&x.Filename, &x.ContentType, &x.Size, &x.SHA256, &x.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return x, errs.New(errs.NotFound, "Fichier introuvable.", "File not found.")
	}
	return x, err
}

// WriteAttachment streams a file's bytes to w, one chunk at a time.
func (s *Service) WriteAttachment(ctx context.Context, x Attachment, w io.Writer) error {
	var blobID int64
	if err := s.db.R.QueryRowContext(ctx, `SELECT blob_id FROM resource_attachments WHERE id = $1`, x.ID).Scan(&blobID); err != nil {
		return err
	}
	for n := 0; int64(n)*chunkSize < x.Size; n++ {
		var data []byte
		if err := s.db.R.QueryRowContext(ctx, `SELECT data FROM commons_blob_chunks WHERE blob_id = $1 AND n = $2`, blobID, n).Scan(&data); err != nil {
			return fmt.Errorf("attachment %d chunk %d: %w", x.ID, n, err)
		}
		if _, err := w.Write(data); err != nil {
			return err
		}
	}
	return nil
}

// RemoveAttachment detaches a file; its bytes go when no other resource uses them.
func (s *Service) RemoveAttachment(ctx context.Context, slug string, id int64) error {
	r, err := s.Resource(ctx, slug)
	if err != nil {
		return err
	}
	if r.ReadOnly() {
		return errs.New(errs.Forbidden, "Ressource moissonnée : ses fichiers se gèrent à sa source.", "Harvested resource: its files are managed at its source.")
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		var blobID int64
		err := tx.QueryRowContext(ctx, `SELECT blob_id FROM resource_attachments WHERE id = $1 AND resource_id = $2`, id, r.ID).Scan(&blobID)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.New(errs.NotFound, "Fichier introuvable.", "File not found.")
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM resource_attachments WHERE id = $1`, id); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM commons_blobs WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM resource_attachments WHERE blob_id = $1)`, blobID)
		return err
	})
}

// ContentDisposition is a download header safe for any file name: an ASCII fallback and the
// UTF-8 name (RFC 6266 / RFC 5987).
func ContentDisposition(filename string) string {
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == ';' || r == '%' {
			return '_'
		}
		return r
	}, filename)
	var b strings.Builder
	for i := 0; i < len(filename); i++ {
		c := filename[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return `attachment; filename="` + ascii + `"; filename*=UTF-8''` + b.String()
}
