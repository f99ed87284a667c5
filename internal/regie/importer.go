package regie

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
	"github.com/fabrique-des-energies/fabrique/internal/platform/i18n"
	"github.com/fabrique-des-energies/fabrique/internal/regie/block"
	"github.com/fabrique-des-energies/fabrique/internal/regie/meterfile"
)

// ImportOptions tune an import.
type ImportOptions struct {
	// Format forces a file format instead of detecting it.
	Format meterfile.Format
	// Flow keeps one flow of a file that mixes consumption and production.
	Flow meterfile.Flow
	// Filename is recorded with the import.
	Filename string
}

// ImportResult says what an import did.
type ImportResult struct {
	ID         int64
	PRM        string
	Format     meterfile.Format
	Daily      bool
	Flow       Flow
	Steps      []Step
	Points     int // values in the file
	Gaps       int // missing values inside the file's period
	Duplicates int // rows repeated identically, ignored
	From, To   time.Time
	// Added are values where none was stored; Replaced are stored values the
	// file changed; Unchanged are values equal to the stored ones.
	Added, Replaced, Unchanged int
	// ReplacedFrom and ReplacedTo bound the days where values were replaced.
	ReplacedFrom, ReplacedTo time.Time
}

// Changed reports whether the import altered the stored readings.
func (r ImportResult) Changed() bool { return r.Added > 0 || r.Replaced > 0 }

// Summary is a sentence for the person who sent the file.
func (r ImportResult) Summary() i18n.Text {
	if r.Points == 0 {
		return i18n.T("Le fichier ne contient aucune valeur.", "The file holds no value.")
	}
	period := fmt.Sprintf("%s – %s", r.From.In(parisLoc).Format("02/01/2006 15:04"), r.To.In(parisLoc).Format("02/01/2006 15:04"))
	if !r.Changed() {
		return i18n.T(fmt.Sprintf("Rien n'a changé : les %d valeurs du fichier (%s) étaient déjà enregistrées à l'identique.", r.Points, period),
			fmt.Sprintf("Nothing changed: the file's %d values (%s) were already stored unchanged.", r.Points, period))
	}
	fr := fmt.Sprintf("%d valeurs lues (%s) : %d ajoutées", r.Points, period, r.Added)
	en := fmt.Sprintf("%d values read (%s): %d added", r.Points, period, r.Added)
	if r.Replaced > 0 {
		fr += fmt.Sprintf(", %d remplacées car le fichier recouvre des données déjà enregistrées (du %s au %s)", r.Replaced,
			r.ReplacedFrom.In(parisLoc).Format("02/01/2006"), r.ReplacedTo.Add(-time.Second).In(parisLoc).Format("02/01/2006"))
		en += fmt.Sprintf(", %d replaced because the file overlaps data already stored (%s to %s)", r.Replaced,
			r.ReplacedFrom.In(parisLoc).Format("2006-01-02"), r.ReplacedTo.Add(-time.Second).In(parisLoc).Format("2006-01-02"))
	}
	if r.Unchanged > 0 {
		fr += fmt.Sprintf(", %d identiques", r.Unchanged)
		en += fmt.Sprintf(", %d identical", r.Unchanged)
	}
	if r.Gaps > 0 {
		fr += fmt.Sprintf(" ; %d valeurs manquantes laissées vides", r.Gaps)
		en += fmt.Sprintf("; %d missing values left empty", r.Gaps)
	}
	return i18n.T(fr+".", en+".")
}

// prepared is a parsed file cut into chunks, ready to be stored.
type prepared struct {
	userID  int64
	meterID int64
	prm     string
	series  int
	curve   *meterfile.Curve
	chunks  []block.Chunk
	encoded [][]byte
	opts    ImportOptions
	sha     string
	size    int
}

// fileError turns a parser error into a coded error naming line and column.
func fileError(err error) error {
	var pe *meterfile.ParseError
	if errors.As(err, &pe) {
		fr := fmt.Sprintf("Fichier refusé en entier, rien n'a été enregistré. Ligne %d : %s.", pe.Line, pe.Reason)
		en := fmt.Sprintf("File refused as a whole, nothing was stored. Line %d: %s.", pe.Line, pe.ReasonEN)
		if pe.Column != "" {
			fr = fmt.Sprintf("Fichier refusé en entier, rien n'a été enregistré. Ligne %d, colonne « %s » : %s.", pe.Line, pe.Column, pe.Reason)
			en = fmt.Sprintf("File refused as a whole, nothing was stored. Line %d, column %q: %s.", pe.Line, pe.Column, pe.ReasonEN)
		}
		code := errs.Invalid
		if pe.Code == meterfile.CodeTooLarge {
			code = errs.TooLarge
		}
		e := errs.New(code, fr, en)
		return e.With(errs.Detail{Line: pe.Line, Field: pe.Column, Message: i18n.T(pe.Reason, pe.ReasonEN)})
	}
	return err
}

// parseFile parses and splits a file for a meter.
func parseFile(m Meter, userID int64, data []byte, opts ImportOptions) (*prepared, error) {
	if opts.Format != "" && !opts.Format.Valid() {
		return nil, errs.Field("format", fmt.Sprintf("Format de fichier inconnu « %s ».", opts.Format), fmt.Sprintf("Unknown file format %q.", opts.Format))
	}
	c, err := meterfile.ParseBytes(data, meterfile.Options{Format: opts.Format, PRM: m.PRM, Flow: opts.Flow})
	if err != nil {
		return nil, fileError(err)
	}
	if c.Stats.Points == 0 {
		return nil, errs.New(errs.Invalid, "Le fichier ne contient aucune valeur : rien n'a été enregistré.", "The file holds no value: nothing was stored.")
	}
	chunks, err := block.Split(c)
	if err != nil {
		return nil, errs.Wrap(errs.Invalid, err, "Le fichier contient des valeurs incohérentes entre elles : rien n'a été enregistré.", "The file holds values that contradict each other: nothing was stored.")
	}
	flow := FlowConsumption
	if c.Flow == meterfile.FlowProduction {
		flow = FlowProduction
	}
	p := &prepared{userID: userID, meterID: m.ID, prm: m.PRM, curve: c, chunks: chunks, opts: opts, size: len(data),
		series: seriesCode(flow, c.Kind == meterfile.KindDailyEnergy)}
	p.encoded = make([][]byte, len(chunks))
	for i := range chunks {
		if p.encoded[i], err = chunks[i].Encode(); err != nil {
			return nil, err
		}
	}
	sum := sha256.Sum256(data)
	p.sha = hex.EncodeToString(sum[:])
	return p, nil
}

// Import stores a file of readings for one of the household's meters. The
// format is detected unless opts.Format says it. The whole file goes in one
// transaction: a malformed file is refused whole (the error names the line
// and the reason); values already stored identically change nothing; values
// the file gives for intervals already stored replace them, and the result
// says how many and where.
func (s *Service) Import(ctx context.Context, userID int64, prm string, data []byte, opts ImportOptions) (ImportResult, error) {
	m, err := s.OwnMeter(ctx, userID, prm)
	if err != nil {
		return ImportResult{}, err
	}
	p, err := parseFile(m, userID, data, opts)
	if err != nil {
		return ImportResult{}, err
	}
	var res []ImportResult
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		res, err = s.commit(ctx, tx, []*prepared{p})
		return err
	})
	if err != nil {
		return ImportResult{}, err
	}
	return res[0], nil
}

// ImportItem is one file of a bulk import.
type ImportItem struct {
	UserID int64
	PRM    string
	Data   []byte
	// Load reads the file when Data is nil, so a bulk import holds only the
	// files being parsed in memory.
	Load func() ([]byte, error)
	Opts ImportOptions
}

// BatchError reports a bulk import that stopped: the batches before
// Committed files were stored, the file Index was refused.
type BatchError struct {
	Index     int
	Committed int
	Err       error
}

func (e *BatchError) Error() string {
	return fmt.Sprintf("file %d refused (%d files stored before it): %v", e.Index, e.Committed, e.Err)
}

func (e *BatchError) Unwrap() error { return e.Err }

// ImportMany stores many files: files are parsed on every core while a
// single writer stores them in transactions of about batchBlocks blocks
// (whole files only). Each transaction is all-or-nothing; a refused file
// stops the import with a *BatchError saying which files were stored.
func (s *Service) ImportMany(ctx context.Context, items []ImportItem, batchBlocks int) ([]ImportResult, error) {
	if batchBlocks <= 0 {
		batchBlocks = 5000
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type parsed struct {
		p   *prepared
		err error
	}
	slots := make([]chan parsed, len(items))
	for i := range slots {
		slots[i] = make(chan parsed, 1)
	}
	work := make(chan int)
	// Parsing runs ahead of the writer by a few files per core at most.
	ahead := make(chan struct{}, 4*runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				it := items[i]
				m, err := s.OwnMeter(ctx, it.UserID, it.PRM)
				var p *prepared
				data := it.Data
				if err == nil && data == nil && it.Load != nil {
					data, err = it.Load()
				}
				if err == nil {
					p, err = parseFile(m, it.UserID, data, it.Opts)
				}
				slots[i] <- parsed{p, err}
			}
		}()
	}
	go func() {
		defer close(work)
		for i := range items {
			select {
			case ahead <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case work <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	defer wg.Wait()
	out := make([]ImportResult, 0, len(items))
	var batch []*prepared
	blocks := 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		var res []ImportResult
		err := s.db.Tx(ctx, func(tx *sql.Tx) error {
			var err error
			res, err = s.commit(ctx, tx, batch)
			return err
		})
		if err != nil {
			return err
		}
		out = append(out, res...)
		batch, blocks = batch[:0], 0
		return nil
	}
	for i := range items {
		r := <-slots[i]
		<-ahead
		if r.err != nil {
			cancel()
			return out, &BatchError{Index: i, Committed: len(out), Err: r.err}
		}
		batch = append(batch, r.p)
		blocks += len(r.p.chunks)
		if blocks >= batchBlocks {
			if err := flush(); err != nil {
				cancel()
				return out, &BatchError{Index: i, Committed: len(out), Err: err}
			}
		}
	}
	if err := flush(); err != nil {
		return out, &BatchError{Index: len(items) - 1, Committed: len(out), Err: err}
	}
	return out, nil
}

// commit merges prepared files over the stored blocks inside tx.
func (s *Service) commit(ctx context.Context, tx *sql.Tx, items []*prepared) ([]ImportResult, error) {
	now := s.clock()
	out := make([]ImportResult, 0, len(items))
	pseudos := map[int64]string{}
	for _, p := range items {
		c := p.curve
		res := ImportResult{PRM: p.prm, Format: c.Format, Daily: c.Kind == meterfile.KindDailyEnergy, Points: c.Stats.Points,
			Gaps: c.Stats.Gaps, Duplicates: c.Stats.Duplicates, From: c.Stats.From, To: c.Stats.To}
		res.Flow, _ = seriesFlow(p.series)
		for _, sg := range c.Segments {
			st := StepOf(sg.Step)
			if res.Daily {
				st = StepP1D
			}
			if len(res.Steps) == 0 || res.Steps[len(res.Steps)-1] != st {
				res.Steps = append(res.Steps, st)
			}
		}
		fromMonth := block.MonthIndex(p.chunks[0].Month)
		toMonth := block.MonthIndex(p.chunks[len(p.chunks)-1].Month)
		stored, err := scanBlocks(ctx, tx, []int64{p.meterID}, p.series, fromMonth, toMonth)
		if err != nil {
			return nil, err
		}
		old := make(map[int64][]byte, len(stored))
		for _, b := range stored {
			old[b.month] = b.data
		}
		var write []storedBlock
		var pointsDelta int64
		newBlocks := 0
		finest := int64(0)
		for i, ch := range p.chunks {
			month := block.MonthIndex(ch.Month)
			sec := int64(ch.Step / time.Second)
			if finest == 0 || sec < finest {
				finest = sec
			}
			prev, ok := old[month]
			if !ok {
				write = append(write, storedBlock{meter: p.meterID, month: month, data: p.encoded[i]})
				res.Added += ch.Points()
				pointsDelta += int64(ch.Points())
				newBlocks++
				continue
			}
			oc, err := block.DecodeChunk(ch.Month, prev)
			if err != nil {
				return nil, fmt.Errorf("stored block of meter %d month %d: %w", p.meterID, month, err)
			}
			merged, st, err := block.Merge(oc, ch)
			if err != nil {
				return nil, err
			}
			res.Added += st.Added
			res.Unchanged += st.Unchanged
			if st.Replaced > 0 {
				res.Replaced += st.Replaced
				a, b := replacedSpan(&oc, &merged, res.Daily)
				if res.ReplacedFrom.IsZero() || a.Before(res.ReplacedFrom) {
					res.ReplacedFrom = a
				}
				if b.After(res.ReplacedTo) {
					res.ReplacedTo = b
				}
			}
			if !st.Changed() {
				continue
			}
			enc, err := merged.Encode()
			if err != nil {
				return nil, err
			}
			if msec := int64(merged.Step / time.Second); msec < finest {
				finest = msec
			}
			pointsDelta += int64(merged.Points() - oc.Points())
			write = append(write, storedBlock{meter: p.meterID, month: month, data: enc})
		}
		if err := writeBlocks(ctx, tx, p.series, write); err != nil {
			return nil, err
		}
		if err := s.updateSeries(ctx, tx, p.meterID, p.series, fromMonth, toMonth, res.From.Unix(), res.To.Unix(), newBlocks, pointsDelta, finest, now); err != nil {
			return nil, err
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO regie_imports (meter_id, created_at, format, filename, file_sha256, bytes, series, points, gaps, duplicates,
			added, replaced, unchanged, period_from, period_to, replaced_from, replaced_to)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING id`,
			p.meterID, now, string(c.Format), trimLabel(p.opts.Filename, 200), p.sha, p.size, p.series, res.Points, res.Gaps, res.Duplicates,
			res.Added, res.Replaced, res.Unchanged, nullTime(res.From), nullTime(res.To), nullTime(res.ReplacedFrom), nullTime(res.ReplacedTo)).Scan(&res.ID)
		if err != nil {
			return nil, err
		}
		pseudo, ok := pseudos[p.userID]
		if !ok {
			if pseudo, err = s.householdSubject(ctx, tx, p.userID); err != nil {
				return nil, err
			}
			pseudos[p.userID] = pseudo
		}
		e := &Entry{At: now, Kind: JImport, Actor: ActorHousehold, ActorID: pseudo, Subjects: []string{pseudo}, Meters: []int64{p.meterID},
			From: timePtr(res.From), To: timePtr(res.To),
			Detail: fmt.Sprintf("format=%s points=%d added=%d replaced=%d unchanged=%d sha256=%s", c.Format, res.Points, res.Added, res.Replaced, res.Unchanged, p.sha)}
		if err := s.appendJournal(ctx, tx, e); err != nil {
			return nil, err
		}
		out = append(out, res)
	}
	return out, nil
}

func (s *Service) updateSeries(ctx context.Context, tx *sql.Tx, meterID int64, series int, fromMonth, toMonth, fromUnix, toUnix int64, newBlocks int, pointsDelta, finest int64, now time.Time) error {
	var first, last, dfrom, dto, points, fin int64
	var blocks int
	err := tx.QueryRowContext(ctx, `SELECT first_month, last_month, data_from, data_to, blocks, points, finest_step FROM regie_series WHERE meter_id = $1 AND series = $2`, meterID, series).
		Scan(&first, &last, &dfrom, &dto, &blocks, &points, &fin)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		first, last, dfrom, dto, fin = fromMonth, toMonth, fromUnix, toUnix, finest
	case err != nil:
		return err
	default:
		first, last, dfrom, dto = min(first, fromMonth), max(last, toMonth), min(dfrom, fromUnix), max(dto, toUnix)
		if finest > 0 && finest < fin {
			fin = finest
		}
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO regie_series (meter_id, series, first_month, last_month, data_from, data_to, blocks, points, finest_step, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (meter_id, series) DO UPDATE SET first_month = excluded.first_month, last_month = excluded.last_month, data_from = excluded.data_from,
		data_to = excluded.data_to, blocks = excluded.blocks, points = excluded.points, finest_step = excluded.finest_step, updated_at = excluded.updated_at`,
		meterID, series, first, last, dfrom, dto, blocks+newBlocks, points+pointsDelta, fin, now)
	return err
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

// Import is one past import as listed to the household.
type Import struct {
	ID                       int64
	At                       time.Time
	Format                   meterfile.Format
	Filename                 string
	Points, Gaps, Duplicates int
	Added, Replaced          int
	Unchanged                int
	From, To                 time.Time
	Daily                    bool
	Flow                     Flow
}

// Imports lists a meter's imports, newest first.
func (s *Service) Imports(ctx context.Context, userID int64, prm string, limit int) ([]Import, error) {
	m, err := s.OwnMeter(ctx, userID, prm)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.R.QueryContext(ctx, `SELECT id, created_at, format, filename, series, points, gaps, duplicates, added, replaced, unchanged, period_from, period_to
		FROM regie_imports WHERE meter_id = $1 ORDER BY id DESC LIMIT $2`, m.ID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Import
	for rows.Next() {
		var im Import
		var f string
		var series int
		var from, to sql.NullTime
		if err := rows.Scan(&im.ID, &im.At, &f, &im.Filename, &series, &im.Points, &im.Gaps, &im.Duplicates, &im.Added, &im.Replaced, &im.Unchanged, &from, &to); err != nil {
			return nil, err
		}
		im.Format = meterfile.Format(f)
		im.Flow, im.Daily = seriesFlow(series)
		im.From, im.To = from.Time, to.Time
		out = append(out, im)
	}
	return out, rows.Err()
}

// replacedSpan bounds the stored values a merge changed: interval by
// interval when the step stayed, the whole block when it was resampled.
func replacedSpan(old, merged *block.Chunk, daily bool) (from, to time.Time) {
	if old.Step != merged.Step {
		k := block.MonthIndex(old.Month)
		return blockStart(k, daily), blockEnd(k, daily)
	}
	for i := range old.Values {
		if !old.Present[i] || !merged.Present[i] || old.Values[i] == merged.Values[i] {
			continue
		}
		if from.IsZero() {
			from = old.At(i)
		}
		to = old.At(i + 1)
	}
	return from, to
}
