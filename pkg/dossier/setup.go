package dossier

import "github.com/yuejuan/yuejuan/internal/cjkfont"

// Setup prepares this process's PDF work: it points pdfcpu's configuration
// directory at configDir/pdfcpu and installs the embedded CJK font there
// (see cjkfont.Setup). On AWS Lambda pass a directory under /tmp.
// scan.Ingest and AssembleBase call it with DefaultConfigDir if the caller
// has not.
func Setup(configDir string) error { return cjkfont.Setup(configDir) }

// DefaultConfigDir is where Setup is pointed when the caller did not call
// it (see cjkfont.DefaultConfigDir).
func DefaultConfigDir() string { return cjkfont.DefaultConfigDir() }
