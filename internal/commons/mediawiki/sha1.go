package mediawiki

import (
	"crypto/sha1"
	"fmt"
	"math/big"
	"strings"
)

// SHA1Base36 returns the checksum MediaWiki stores for a revision text: the SHA-1 digest written
// in base 36, lower case, padded with zeros to 31 digits.
func SHA1Base36(text string) string {
	sum := sha1.Sum([]byte(text))
	s := new(big.Int).SetBytes(sum[:]).Text(36)
	if len(s) < 31 {
		s = strings.Repeat("0", 31-len(s)) + s
	}
	return s
}

// CheckSHA1 compares the text with the checksum declared by the export. It returns nil when they
// match, when the export declares none, or when the text was deleted.
func (rev *Revision) CheckSHA1() error {
	if rev.SHA1 == "" || rev.TextDeleted {
		return nil
	}
	if got := SHA1Base36(rev.Text); got != strings.ToLower(rev.SHA1) {
		return fmt.Errorf("revision %d: text checksum %s does not match the declared %s", rev.ID, got, rev.SHA1)
	}
	return nil
}
