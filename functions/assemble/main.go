// Command assemble is the Lambda function of the job queue (SQS, batch size
// 1, partial batch responses): it assembles the base dossier of an approved
// application's case once per content version, stamps the lawyer's copy,
// issues the link and notifies the lawyer.
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
	h, err := worker.NewAssemble(ctx, rt)
	cloud.Check(err)
	lambda.Start(h.Handle)
}
