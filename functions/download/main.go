// Command download is the Lambda function of the download door, GET and
// HEAD /d/{token}: it verifies the link token, counts and audits the
// download, and redirects to a presigned GET of the lawyer's copy that lives
// 60–300 s. It may read the copies and update the table, nothing else.
package main

import (
	"context"

	"github.com/yuejuan/yuejuan/pkg/cloud"
)

func main() {
	cloud.Main(func(ctx context.Context, rt *cloud.Runtime) (any, error) { return rt.DownloadHandler(ctx) })
}
