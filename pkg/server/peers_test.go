package server_test

import (
	"strings"
	"testing"

	"github.com/yuejuan/yuejuan/pkg/config"
	"github.com/yuejuan/yuejuan/pkg/server"
)

// A server pointed at peers without the names it needs refuses to start,
// naming every missing variable, before it touches anything.
func TestNewPeersNeedNames(t *testing.T) {
	data := t.TempDir()
	cfg, err := config.FromEnv(func(k string) string {
		return map[string]string{"YUEJUAN_DATA": data, "YUEJUAN_DYNAMODB_ENDPOINT": "http://127.0.0.1:1",
			"YUEJUAN_UPLOADS_BUCKET": "uploads"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = server.New(cfg, nil)
	for _, want := range []string{"YUEJUAN_TABLE", "YUEJUAN_DOSSIERS_BUCKET"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("New = %v, want an error naming %s", err, want)
		}
	}
}
