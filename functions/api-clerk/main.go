// Command api-clerk is the Lambda function of the clerks' HTTP API: the routes
// of package httpapi that admit the clerk role, behind the API Gateway HTTP API
// (payload 2.0) of the clerks, with only that role's permissions.
package main

import (
	"context"

	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/cloud"
)

func main() {
	cloud.Main(func(ctx context.Context, rt *cloud.Runtime) (any, error) { return rt.APIHandler(ctx, auth.Clerk) })
}
