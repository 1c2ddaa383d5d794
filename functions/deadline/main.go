// Command deadline is the scheduled Lambda function (EventBridge Scheduler,
// Asia/Shanghai): statutory-deadline reminders and overdue notices, notice
// retries, re-queueing of unfinished assembly work, audit anchors.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/yuejuan/yuejuan/pkg/cloud"
	"github.com/yuejuan/yuejuan/pkg/cloud/schedule"
)

func main() {
	ctx := context.Background()
	rt, err := cloud.Start(ctx)
	cloud.Check(err)
	h, err := schedule.New(ctx, rt)
	cloud.Check(err)
	lambda.Start(h.Handle)
}
