package infra

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestIngestDockerfile checks infra/Dockerfile's text, since docker build
// cannot run on this machine: the ingest image is AWS's official
// provided.al2023 arm64 base with the bootstrap make build-lambda writes
// as its entry point, unchanged; it carries Tesseract, the chi_sim, eng and
// osd data and Poppler (what pkg/ocr runs, found where it looks: PATH and
// TESSDATA_PREFIX), every download pinned to a version; recognition is on.
// The template builds the function from this file.
func TestIngestDockerfile(t *testing.T) {
	raw, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	// Instructions, continuation lines joined, comments dropped.
	var ins []string
	var cur strings.Builder
	for _, line := range strings.Split(string(raw), "\n") {
		l := strings.TrimSpace(line)
		if strings.HasPrefix(l, "#") || (l == "" && cur.Len() == 0) {
			continue
		}
		cur.WriteString(strings.TrimSuffix(l, "\\") + " ")
		if !strings.HasSuffix(l, "\\") {
			ins = append(ins, strings.TrimSpace(cur.String()))
			cur.Reset()
		}
	}
	args := map[string]string{}
	var froms []string
	var final []string // the last stage's instructions
	for _, in := range ins {
		op, rest, _ := strings.Cut(in, " ")
		switch strings.ToUpper(op) {
		case "ARG":
			k, v, _ := strings.Cut(rest, "=")
			if _, seen := args[k]; !seen || v != "" {
				args[k] = v
			}
		case "FROM":
			froms = append(froms, rest)
			final = nil
		}
		final = append(final, in)
	}
	expand := func(s string) string {
		return regexp.MustCompile(`\$\{(\w+)\}`).ReplaceAllStringFunc(s, func(m string) string {
			if v, ok := args[m[2:len(m)-1]]; ok {
				return v
			}
			return m
		})
	}
	if len(froms) < 2 {
		t.Fatalf("stages %v: want a build stage and the image", froms)
	}
	for _, f := range froms {
		img, _, _ := strings.Cut(expand(f), " ")
		if img != "public.ecr.aws/lambda/provided:al2023-arm64" {
			t.Errorf("FROM %s: want AWS's official public.ecr.aws/lambda/provided:al2023-arm64 (arm64, as the template's functions)", img)
		}
	}
	text := strings.Join(final, "\n")
	for _, want := range []string{
		"COPY dist/ingest/bootstrap /var/task/bootstrap",
		`ENTRYPOINT ["/var/task/bootstrap"]`,
		"COPY --from=build /opt /opt",
		"poppler-utils",
		"TESSDATA_PREFIX=/opt/share/tessdata",
		"PATH=/opt/bin:",
		"YUEJUAN_OCR=on",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the image lacks %q", want)
		}
	}
	all := strings.Join(ins, "\n")
	for _, lang := range []string{"chi_sim", "eng", "osd"} {
		if !regexp.MustCompile(`for l in [^;]*\b` + lang + `\b`).MatchString(all) {
			t.Errorf("language data %s not installed", lang)
		}
	}
	for _, k := range []string{"LEPTONICA_VERSION", "TESSERACT_VERSION", "TESSDATA_VERSION"} {
		if !regexp.MustCompile(`^\d+\.\d+\.\d+$`).MatchString(args[k]) {
			t.Errorf("ARG %s=%q: want a pinned version", k, args[k])
		}
	}
	for _, url := range regexp.MustCompile(`https://\S+`).FindAllString(all, -1) {
		if !strings.Contains(url, "_VERSION}") {
			t.Errorf("download %s is not pinned to a version", url)
		}
	}

	// The template builds the ingest function from this file.
	tp := load(t)
	r := tp.ofType("AWS::Serverless::Function")["IngestFunction"]
	if r == nil {
		t.Fatal("no IngestFunction")
	}
	if got := []string{render(get(r, "Metadata", "Dockerfile")), render(get(r, "Metadata", "DockerContext")), render(get(r, "Metadata", "DockerTag"))}; !slices.Equal(got, []string{"infra/Dockerfile", ".", "ingest"}) {
		t.Errorf("IngestFunction Metadata %v, want infra/Dockerfile from the repository root, tag ingest", got)
	}
	if get(r, "Properties", "PackageType") != "Image" || get(r, "Properties", "Environment", "Variables", "YUEJUAN_OCR") != "on" {
		t.Error("IngestFunction is not the image with recognition on")
	}
	if mem, _ := get(r, "Properties", "MemorySize").(int); mem < 3538 {
		t.Errorf("IngestFunction MemorySize %d MB: recognition runs pages in parallel; want ≥ 3538 (two vCPUs)", mem)
	}
	if to, _ := get(r, "Properties", "Timeout").(int); to != 900 {
		t.Errorf("IngestFunction Timeout %d s, want 900 (ingest.OCRBudget's 14 minutes fit)", to)
	}
}
