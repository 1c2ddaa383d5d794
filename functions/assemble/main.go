// Command assemble is the Lambda function of the job queue (SQS, batch size
// 1, partial batch responses): it assembles the base dossier of an approved
// application's case once per content version, stamps the lawyer's copy,
// issues the link and notifies the lawyer.
package main

import (
	"context"

	"github.com/yuejuan/yuejuan/pkg/cloud"
	"github.com/yuejuan/yuejuan/pkg/cloud/worker"
)

func main() {
	cloud.Main(func(ctx context.Context, rt *cloud.Runtime) (any, error) { return worker.AssembleHandler(ctx, rt) })
}
