package cloud

import "github.com/aws/aws-lambda-go/events"

type (
	apigwEvent    = events.APIGatewayV2HTTPRequest
	apigwResponse = events.APIGatewayV2HTTPResponse
)
