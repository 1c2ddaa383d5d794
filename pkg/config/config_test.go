package config

import (
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaults(t *testing.T) {
	c, err := FromEnv(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8080" || c.PublicURL != "http://127.0.0.1:8080" || c.LinkTTL != 168*time.Hour ||
		c.MaxDownloads != 5 || c.ApplyPerHour != 30 || c.ApplyBurst != 10 || c.DownloadPerHour != 60 || c.DownloadBurst != 10 {
		t.Errorf("defaults = %+v", c)
	}
}

func TestRatesAndErrors(t *testing.T) {
	c, err := FromEnv(env(map[string]string{"YUEJUAN_RATE_APPLICATIONS": "0", "YUEJUAN_RATE_DOWNLOADS": "120:20"}))
	if err != nil || c.ApplyPerHour != 0 || c.ApplyBurst != 0 || c.DownloadPerHour != 120 || c.DownloadBurst != 20 {
		t.Fatalf("rates = %+v, %v", c, err)
	}
	// Every bad variable is named at once, with the form it wants.
	_, err = FromEnv(env(map[string]string{"YUEJUAN_RATE_APPLICATIONS": "lots", "YUEJUAN_LINK_TTL": "a week", "YUEJUAN_PRESIGN_TTL": "1h"}))
	if err == nil {
		t.Fatal("bad settings accepted")
	}
	for _, want := range []string{"YUEJUAN_RATE_APPLICATIONS", "PER_HOUR:BURST", "YUEJUAN_LINK_TTL", "168h", "YUEJUAN_PRESIGN_TTL", "between 60s and 300s"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestPeers(t *testing.T) {
	c, err := FromEnv(env(nil))
	if err != nil || c.UsesDynamoDB() || c.UsesS3() || c.CheckPeers() != nil {
		t.Fatalf("by default the embedded stores: %+v, %v", c, err)
	}
	c, err = FromEnv(env(map[string]string{"YUEJUAN_TABLE": "yj", "YUEJUAN_DYNAMODB_ENDPOINT": "http://127.0.0.1:4567",
		"YUEJUAN_UPLOADS_BUCKET": "up", "YUEJUAN_DOSSIERS_BUCKET": "dos", "YUEJUAN_S3_ENDPOINT": "http://127.0.0.1:7070",
		"YUEJUAN_S3_PATH_STYLE": "true"}))
	if err != nil || !c.UsesDynamoDB() || !c.UsesS3() || c.CheckPeers() != nil || !c.S3PathStyle ||
		c.Table != "yj" || c.UploadsBucket != "up" || c.DossiersBucket != "dos" {
		t.Fatalf("peers = %+v, %v", c, err)
	}
	// An endpoint without the names it needs names every missing variable.
	c, _ = FromEnv(env(map[string]string{"YUEJUAN_DYNAMODB_ENDPOINT": "http://x", "YUEJUAN_S3_ENDPOINT": "http://y"}))
	err = c.CheckPeers()
	for _, want := range []string{"YUEJUAN_TABLE", "YUEJUAN_UPLOADS_BUCKET", "YUEJUAN_DOSSIERS_BUCKET"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckPeers = %v, want it to name %s", err, want)
		}
	}
	if _, err := FromEnv(env(map[string]string{"YUEJUAN_S3_PATH_STYLE": "maybe"})); err == nil || !strings.Contains(err.Error(), "YUEJUAN_S3_PATH_STYLE") {
		t.Errorf("a bad YUEJUAN_S3_PATH_STYLE: %v", err)
	}
}
