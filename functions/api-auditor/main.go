// Command api-auditor is the Lambda function of the auditors' HTTP API: the routes
// of package httpapi that admit the auditor role, behind the API Gateway HTTP API
// (payload 2.0) of the auditors, with only that role's permissions.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/cloud"
)

func main() {
	ctx := context.Background()
	rt, err := cloud.Start(ctx)
	cloud.Check(err)
	h, err := rt.APIHandler(ctx, auth.Auditor)
	cloud.Check(err)
	lambda.Start(h)
}
