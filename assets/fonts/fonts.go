// Package fonts embeds the fonts yuejuan draws into PDFs.
//
// WenQuanYi Zen Hei (wqy-zenhei.ttc, Debian package fonts-wqy-zenhei 0.9.45) is a
// TrueType (glyf) collection covering CJK and Latin. It is licensed under the GPL
// version 2 with a font embedding exception (see COPYRIGHT-wqy-zenhei.txt and
// GPL-2.txt): documents that embed the font are not covered by the GPL.
package fonts

import _ "embed"

// ZenHeiTTC is the unaltered WenQuanYi Zen Hei TrueType collection (three faces:
// Zen Hei, Zen Hei Mono, Zen Hei Sharp).
//
//go:embed wqy-zenhei.ttc
var ZenHeiTTC []byte

// ZenHeiLicense is the copyright and licence notice of WenQuanYi Zen Hei.
//
//go:embed COPYRIGHT-wqy-zenhei.txt
var ZenHeiLicense string
