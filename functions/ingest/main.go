// Command ingest is the Lambda function of S3 ObjectCreated events on the
// uploads bucket: each uploaded scan or attachment is checked, normalised
// and accepted or rejected with a reason.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/yuejuan/yuejuan/pkg/cloud"
	"github.com/yuejuan/yuejuan/pkg/cloud/worker"
)

func main() {
	ctx := context.Background()
	rt, err := cloud.Start(ctx)
	cloud.Check(err)
	h, err := worker.NewIngest(ctx, rt)
	cloud.Check(err)
	lambda.Start(h.Handle)
}
