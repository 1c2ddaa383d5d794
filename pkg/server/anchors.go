package server

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"path/filepath"

	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/auth"
)

// AnchorKeyPath is where the key that signs audit anchors lives in a data
// dir; keys retired from that job are kept, so their anchors still verify,
// as PEM files in AnchorRetiredDir.
func AnchorKeyPath(dataDir string) string {
	return filepath.Join(dataDir, "keys", "anchor-ed25519.pem")
}

// AnchorRetiredDir holds retired anchor keys (*.pem).
func AnchorRetiredDir(dataDir string) string { return filepath.Join(dataDir, "keys", "anchor-retired") }

// AnchorFilePath is the local anchor store: an append-only file apart from
// the database. On AWS the anchors go to an Object Lock bucket instead
// (audit.BlobAnchors) from a scheduled function.
func AnchorFilePath(dataDir string) string {
	return filepath.Join(dataDir, "anchors", "anchors.ndjson")
}

// setupAnchors gives the audit log its anchor store and keys.
func (s *Server) setupAnchors(alog *audit.Log) error {
	key, err := auth.LoadOrCreateKeyFile(AnchorKeyFile(s.Config.DataDir))
	if err != nil {
		return fmt.Errorf("server: audit anchor key: %w", err)
	}
	pub := key.Public().(ed25519.PublicKey)
	keys := map[string]ed25519.PublicKey{audit.KeyID(pub): pub}
	retired, err := filepath.Glob(filepath.Join(AnchorRetiredDir(s.Config.DataDir), "*.pem"))
	if err != nil {
		return err
	}
	for _, p := range retired {
		k, err := auth.LoadKeyFile(auth.KeyFile(p, "retired audit anchor key", "the anchors it signed can no longer be checked"))
		if err != nil {
			return fmt.Errorf("server: retired audit anchor key: %w", err)
		}
		rp := k.Public().(ed25519.PublicKey)
		keys[audit.KeyID(rp)] = rp
	}
	alog.Anchors = &audit.FileAnchors{Path: AnchorFilePath(s.Config.DataDir)}
	alog.AnchorKeys = keys
	s.anchKey = key
	return nil
}

// Anchor signs the audit chain's head into the anchor store, unless it is
// already anchored; it runs on every scheduler tick and at shutdown. A chain
// that no longer extends the last anchor is not signed, and says so loudly.
func (s *Server) Anchor(ctx context.Context) {
	a, wrote, err := s.API.Audit.Anchor(ctx, s.anchKey)
	if err != nil {
		s.Log.Error("audit anchor refused: the audit log does not extend its last anchor; run yuejuan audit verify", "err", err)
		return
	}
	if wrote {
		s.Log.Debug("audit anchored", "seq", a.Seq, "hash", a.Hash)
	}
}
