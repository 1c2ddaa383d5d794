// Command ingest is the Lambda function of S3 ObjectCreated events on the
// uploads bucket: each uploaded scan or attachment is checked, normalised
// and accepted or rejected with a reason.
package main

import (
	"context"

	"github.com/yuejuan/yuejuan/pkg/cloud"
	"github.com/yuejuan/yuejuan/pkg/cloud/worker"
)

func main() {
	cloud.Main(func(ctx context.Context, rt *cloud.Runtime) (any, error) { return worker.IngestHandler(ctx, rt) })
}
