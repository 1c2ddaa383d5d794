// Command deadline is the scheduled Lambda function (EventBridge Scheduler,
// Asia/Shanghai): statutory-deadline reminders and overdue notices, notice
// retries, re-queueing of unfinished assembly work, audit anchors.
package main

import (
	"context"

	"github.com/yuejuan/yuejuan/pkg/cloud"
	"github.com/yuejuan/yuejuan/pkg/cloud/schedule"
)

func main() {
	cloud.Main(func(ctx context.Context, rt *cloud.Runtime) (any, error) { return schedule.Handler(ctx, rt) })
}
