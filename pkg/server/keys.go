package server

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/yuejuan/yuejuan/internal/keyfile"
	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/config"
)

// The key files of a data dir (keys/), with what removing each one costs;
// internal/keyfile writes them atomically and refuses a damaged one with
// that in its error. The URL-signing secret is blob.SecretFile.

// LoginKeyFile is the key that signs login tokens.
func LoginKeyFile(dataDir string) keyfile.Spec {
	return auth.KeyFile(LoginKeyPath(dataDir), "login token key",
		"tokens signed with it stop working: everyone gets a new token (yuejuan token) and signs in again")
}

// LinkKeyFile is the key that signs download links.
func LinkKeyFile(dataDir string) keyfile.Spec {
	return auth.KeyFile(filepath.Join(dataDir, "keys", "link-ed25519.pem"), "download link key",
		"download links already sent stop working; lawyers can still download from the application page while signed in")
}

// AnchorKeyFile is the key that signs the audit chain's anchors.
func AnchorKeyFile(dataDir string) keyfile.Spec {
	return auth.KeyFile(AnchorKeyPath(dataDir), "audit anchor key",
		"the anchors it signed can no longer be checked: yuejuan audit verify reports them")
}

// LoadAuthority is Authority for commands that sign with the server's login
// key (yuejuan token): it reads the key of cfg's data dir and never makes
// one. Without a key it says which data dir it looked in and how to name
// the server's.
func LoadAuthority(cfg config.Config) (*auth.Authority, error) {
	k, err := auth.LoadKeyFile(LoginKeyFile(cfg.DataDir))
	if errors.Is(err, keyfile.ErrMissing) {
		return nil, fmt.Errorf("no login key in the data directory %s (%s does not exist): "+
			"this is not the data directory of a server that has started. "+
			"Pass --data DIR or set YUEJUAN_DATA to the directory of the running server "+
			"(yuejuan serve prints it at start: \"data in …\"); no key is made here, "+
			"since the server would not accept tokens signed with it", cfg.DataDir, LoginKeyPath(cfg.DataDir))
	}
	if err != nil {
		return nil, err
	}
	return &auth.Authority{Keys: auth.NewKeySet(k), Issuer: cfg.Issuer, Audience: cfg.Audience}, nil
}
