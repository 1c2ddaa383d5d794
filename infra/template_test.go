// Package infra holds the deployment helpers; its tests check template.yaml
// against the CloudFormation/SAM resource schemas (awslabs/goformation,
// schema_test.go) and against the code (this file), since neither cfn-lint
// nor the SAM CLI can be installed here (PyPI is out of reach).
package infra

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/yuejuan/yuejuan/pkg/cloud"
	"github.com/yuejuan/yuejuan/pkg/ingest"
	"github.com/yuejuan/yuejuan/pkg/store/dynamostore"
)

// A value of the template after short-form intrinsics are expanded to their
// long form: !Ref X -> {"Ref": "X"}, !GetAtt A.B -> {"Fn::GetAtt": ["A","B"]},
// !Sub s -> {"Fn::Sub": s}, !Not/!Equals/... -> {"Fn::Not": ...}.
type (
	obj = map[string]any
	arr = []any
)

func convert(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		return convert(n.Content[0])
	case yaml.AliasNode:
		return nil, fmt.Errorf("line %d: YAML alias *%s: CloudFormation does not expand aliases; write the block out", n.Line, n.Value)
	}
	if n.Anchor != "" {
		return nil, fmt.Errorf("line %d: YAML anchor &%s: CloudFormation does not expand anchors", n.Line, n.Anchor)
	}
	custom := strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!")
	var v any
	switch n.Kind {
	case yaml.MappingNode:
		m := obj{}
		for i := 0; i < len(n.Content); i += 2 {
			k := n.Content[i].Value
			if _, dup := m[k]; dup {
				return nil, fmt.Errorf("line %d: duplicate key %q", n.Content[i].Line, k)
			}
			c, err := convert(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			m[k] = c
		}
		v = m
	case yaml.SequenceNode:
		a := arr{}
		for _, c := range n.Content {
			x, err := convert(c)
			if err != nil {
				return nil, err
			}
			a = append(a, x)
		}
		v = a
	case yaml.ScalarNode:
		if custom {
			v = n.Value
		} else if err := n.Decode(&v); err != nil {
			return nil, err
		}
	}
	switch n.Tag {
	case "!Ref":
		return obj{"Ref": v}, nil
	case "!GetAtt":
		if s, ok := v.(string); ok {
			a, b, _ := strings.Cut(s, ".")
			return obj{"Fn::GetAtt": arr{a, b}}, nil
		}
		return obj{"Fn::GetAtt": v}, nil
	case "!Condition":
		return obj{"Condition": v}, nil
	}
	if custom {
		return obj{"Fn::" + n.Tag[1:]: v}, nil
	}
	return v, nil
}

type template struct {
	root obj
	res  obj
}

func load(t *testing.T) *template {
	t.Helper()
	b, err := os.ReadFile("../template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var n yaml.Node
	if err := yaml.Unmarshal(b, &n); err != nil {
		t.Fatalf("template.yaml: %v", err)
	}
	v, err := convert(&n)
	if err != nil {
		t.Fatalf("template.yaml: %v", err)
	}
	root := v.(obj)
	return &template{root: root, res: root["Resources"].(obj)}
}

// get walks a path of keys (strings) and indexes (ints).
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(obj)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			a, ok := v.(arr)
			if !ok || k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

func (tp *template) ofType(typ string) map[string]obj {
	out := map[string]obj{}
	for name, r := range tp.res {
		if get(r, "Type") == typ {
			out[name] = r.(obj)
		}
	}
	return out
}

// render turns a value into a string for matching: Sub strings as written,
// Ref X as "X", GetAtt A.B as "A.B", lists joined.
func render(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case obj:
		if r, ok := x["Ref"]; ok {
			return fmt.Sprint(r)
		}
		if s, ok := x["Fn::Sub"]; ok {
			if a, ok := s.(arr); ok {
				return fmt.Sprint(a[0])
			}
			return fmt.Sprint(s)
		}
		if g, ok := x["Fn::GetAtt"].(arr); ok {
			return fmt.Sprintf("%v.%v", g[0], g[1])
		}
	case arr:
		var ss []string
		for _, e := range x {
			ss = append(ss, render(e))
		}
		return strings.Join(ss, " ")
	}
	return fmt.Sprint(v)
}

func strs(v any) []string {
	switch x := v.(type) {
	case arr:
		var out []string
		for _, e := range x {
			out = append(out, render(e))
		}
		return out
	case nil:
		return nil
	}
	return []string{render(v)}
}

func isRef(v any, name string) bool { return get(v, "Ref") == name }

// function is one AWS::Serverless::Function with Globals applied.
type function struct {
	logical, name string
	props         obj
	env           map[string]any
	allow, deny   []statement
}

type statement struct {
	sid       string
	actions   []string
	resources []string
	condition any
}

func (tp *template) functions(t *testing.T) map[string]*function {
	t.Helper()
	globals, _ := get(tp.root, "Globals", "Function").(obj)
	out := map[string]*function{}
	for logical, r := range tp.ofType("AWS::Serverless::Function") {
		props := obj{}
		for k, v := range globals {
			props[k] = v
		}
		for k, v := range r["Properties"].(obj) {
			props[k] = v
		}
		f := &function{logical: logical, props: props, env: map[string]any{}}
		for _, src := range []any{get(globals, "Environment", "Variables"), get(r, "Properties", "Environment", "Variables")} {
			if m, ok := src.(obj); ok {
				for k, v := range m {
					f.env[k] = v
				}
			}
		}
		code := render(props["CodeUri"])
		f.name = strings.TrimSuffix(strings.TrimPrefix(code, "dist/"), "/")
		if props["PackageType"] == "Image" {
			// A container image (infra/Dockerfile) names its function by its
			// tag; dockerfile_test.go checks what the image holds.
			f.name = render(get(r, "Metadata", "DockerTag"))
			if props["CodeUri"] != nil || props["Runtime"] != nil || props["Handler"] != nil {
				t.Errorf("%s: an image function with CodeUri, Runtime or Handler", logical)
			}
		} else if code != "dist/"+f.name+"/" {
			t.Errorf("%s: CodeUri %q, want dist/<function>/ (what make build-lambda writes)", logical, code)
		}
		pols, _ := props["Policies"].(arr)
		for _, p := range pols {
			doc, ok := p.(obj)
			if !ok || doc["Statement"] == nil {
				t.Errorf("%s: policy %v is not an inline policy document: the test cannot check it", logical, p)
				continue
			}
			for _, s := range doc["Statement"].(arr) {
				st := statement{sid: render(get(s, "Sid")), actions: strs(get(s, "Action")), resources: strs(get(s, "Resource")), condition: get(s, "Condition")}
				if get(s, "NotAction") != nil || get(s, "NotResource") != nil {
					t.Errorf("%s: statement %s uses NotAction/NotResource", logical, st.sid)
				}
				switch get(s, "Effect") {
				case "Allow":
					f.allow = append(f.allow, st)
				case "Deny":
					f.deny = append(f.deny, st)
				default:
					t.Errorf("%s: statement %s has no Effect", logical, st.sid)
				}
			}
		}
		if out[f.name] != nil {
			t.Errorf("two functions with CodeUri %s", code)
		}
		out[f.name] = f
	}
	return out
}

// matches reports whether IAM action pattern p (with * wildcards) covers a.
func matches(p, a string) bool {
	p, a = strings.ToLower(p), strings.ToLower(a)
	if !strings.Contains(p, "*") {
		return p == a
	}
	parts := strings.Split(p, "*")
	if !strings.HasPrefix(a, parts[0]) {
		return false
	}
	a = a[len(parts[0]):]
	for i, part := range parts[1:] {
		if i == len(parts)-2 {
			return strings.HasSuffix(a, part)
		}
		j := strings.Index(a, part)
		if j < 0 {
			return false
		}
		a = a[j+len(part):]
	}
	return true
}

// grants reports whether f is allowed action on a resource for which
// onResource is true.
func (f *function) grants(action string, onResource func(string) bool) bool {
	for _, s := range f.allow {
		for _, a := range s.actions {
			if !matches(a, action) {
				continue
			}
			for _, r := range s.resources {
				if onResource(r) {
					return true
				}
			}
		}
	}
	return false
}

func bucket(kind string) func(string) bool {
	return func(r string) bool {
		return strings.Contains(r, "-"+kind+"-") || strings.HasPrefix(r, strings.ToUpper(kind[:1])+kind[1:]+"Bucket")
	}
}

func anything(string) bool { return true }

func TestTemplateHeader(t *testing.T) {
	tp := load(t)
	if tp.root["Transform"] != "AWS::Serverless-2016-10-31" {
		t.Errorf("Transform %v", tp.root["Transform"])
	}
	for _, p := range []string{"Stage", "IdentityProvider", "Issuer", "Audience", "JwksUrl", "PublicUrl", "LinkTtl", "CopyRetentionDays", "AnchorRetentionDays"} {
		if get(tp.root, "Parameters", p) == nil {
			t.Errorf("no parameter %s", p)
		}
	}
}

// TestFunctions checks every function against the code: one per
// functions/<name>/main.go and per cloud.Functions entry, built for
// provided.al2023 on arm64 with handler bootstrap, and given exactly the
// environment its builder reads.
func TestFunctions(t *testing.T) {
	tp := load(t)
	fns := tp.functions(t)
	mains, _ := filepath.Glob("../functions/*/main.go")
	var dirs []string
	for _, m := range mains {
		dirs = append(dirs, filepath.Base(filepath.Dir(m)))
	}
	var inTemplate, inCode []string
	for n := range fns {
		inTemplate = append(inTemplate, n)
	}
	for n := range cloud.Functions {
		inCode = append(inCode, n)
	}
	sort.Strings(dirs)
	sort.Strings(inTemplate)
	sort.Strings(inCode)
	if !slices.Equal(dirs, inTemplate) || !slices.Equal(dirs, inCode) {
		t.Fatalf("functions differ: functions/ has %v, template.yaml %v, cloud.Functions %v", dirs, inTemplate, inCode)
	}
	for name, f := range fns {
		if f.props["PackageType"] == "Image" {
			if !isRef(f.props["ImageUri"], "IngestImageUri") || name != "ingest" {
				t.Errorf("%s: an image function other than ingest's, or ImageUri %v not the IngestImageUri parameter", name, f.props["ImageUri"])
			}
		} else if got := render(f.props["Runtime"]); got != "provided.al2023" {
			t.Errorf("%s: Runtime %s", name, got)
		}
		if got := strs(f.props["Architectures"]); !slices.Equal(got, []string{"arm64"}) {
			t.Errorf("%s: Architectures %v", name, got)
		}
		if got := render(f.props["Handler"]); got != "bootstrap" && f.props["PackageType"] != "Image" {
			t.Errorf("%s: Handler %s", name, got)
		}
		spec := cloud.Functions[name]
		for _, v := range spec.Need {
			if f.env[v] == nil {
				t.Errorf("%s: environment lacks %s, which its builder needs", name, v)
			}
		}
		for v := range f.env {
			if !slices.Contains(cloud.Common, v) && !slices.Contains(spec.Need, v) && !slices.Contains(spec.Optional, v) {
				t.Errorf("%s: environment has %s, which the function does not read (outside its boundary?)", name, v)
			}
		}
		if !isRef(f.env["YUEJUAN_TABLE"], "Table") {
			t.Errorf("%s: YUEJUAN_TABLE is %v, not the table", name, f.env["YUEJUAN_TABLE"])
		}
		for v, res := range map[string]string{"YUEJUAN_UPLOADS_BUCKET": "UploadsBucket", "YUEJUAN_DOSSIERS_BUCKET": "DossiersBucket",
			"YUEJUAN_ANCHORS_BUCKET": "AnchorsBucket", "YUEJUAN_QUEUE_URL": "JobQueue", "YUEJUAN_TOPIC_ARN": "NoticeTopic",
			"YUEJUAN_LINK_KEY_SECRET": "LinkKeySecret", "YUEJUAN_ANCHOR_KEY_SECRET": "AnchorKeySecret",
			"YUEJUAN_PUBLIC_URL": "PublicUrl"} {
			if f.env[v] != nil && !isRef(f.env[v], res) {
				t.Errorf("%s: %s is %v, want !Ref %s", name, v, f.env[v], res)
			}
		}
		if to, ok := f.props["Timeout"].(int); !ok || to < 1 || to > 900 {
			t.Errorf("%s: Timeout %v", name, f.props["Timeout"])
		}
	}
	for _, api := range []string{"api-lawyer", "api-clerk", "api-auditor", "download"} {
		if to, _ := fns[api].props["Timeout"].(int); to > 29 {
			t.Errorf("%s: Timeout %d s, more than API Gateway's 30 s integration limit", api, to)
		}
	}
}

func TestBuckets(t *testing.T) {
	tp := load(t)
	buckets := tp.ofType("AWS::S3::Bucket")
	for _, want := range []string{"UploadsBucket", "DossiersBucket", "AnchorsBucket"} {
		if buckets[want] == nil {
			t.Fatalf("no bucket %s", want)
		}
	}
	keys := tp.ofType("AWS::KMS::Key")
	for name, k := range keys {
		if get(k, "Properties", "EnableKeyRotation") != true {
			t.Errorf("KMS key %s: rotation not enabled", name)
		}
	}
	for name, b := range buckets {
		p := b["Properties"].(obj)
		for _, k := range []string{"BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"} {
			if get(p, "PublicAccessBlockConfiguration", k) != true {
				t.Errorf("%s: %s is not true", name, k)
			}
		}
		sse := get(p, "BucketEncryption", "ServerSideEncryptionConfiguration", 0, "ServerSideEncryptionByDefault")
		if get(sse, "SSEAlgorithm") != "aws:kms" {
			t.Errorf("%s: SSEAlgorithm %v, want aws:kms", name, get(sse, "SSEAlgorithm"))
		}
		if key := render(get(sse, "KMSMasterKeyID")); keys[strings.TrimSuffix(key, ".Arn")] == nil {
			t.Errorf("%s: KMSMasterKeyID %v is not a customer managed key of the template", name, key)
		}
		if get(p, "VersioningConfiguration", "Status") != "Enabled" {
			t.Errorf("%s: versioning not enabled", name)
		}
		aborts := false
		rules, _ := get(p, "LifecycleConfiguration", "Rules").(arr)
		for _, r := range rules {
			if get(r, "Status") == "Enabled" && get(r, "AbortIncompleteMultipartUpload", "DaysAfterInitiation") == 1 {
				aborts = true
			}
		}
		if !aborts {
			t.Errorf("%s: no lifecycle rule aborts incomplete multipart uploads after 1 day", name)
		}
		if get(b, "DeletionPolicy") != "Retain" {
			t.Errorf("%s: DeletionPolicy %v, want Retain", name, get(b, "DeletionPolicy"))
		}
		policyFound := false
		for _, bp := range tp.ofType("AWS::S3::BucketPolicy") {
			if isRef(get(bp, "Properties", "Bucket"), name) {
				policyFound = strings.Contains(fmt.Sprint(get(bp, "Properties", "PolicyDocument")), "aws:SecureTransport")
			}
		}
		if !policyFound {
			t.Errorf("%s: no bucket policy refusing plain HTTP", name)
		}
	}
	anchors := buckets["AnchorsBucket"]["Properties"].(obj)
	if anchors["ObjectLockEnabled"] != true || get(anchors, "ObjectLockConfiguration", "ObjectLockEnabled") != "Enabled" {
		t.Error("AnchorsBucket: Object Lock not enabled")
	}
	ret := get(anchors, "ObjectLockConfiguration", "Rule", "DefaultRetention")
	if get(ret, "Mode") != "COMPLIANCE" || !isRef(get(ret, "Days"), "AnchorRetentionDays") {
		t.Errorf("AnchorsBucket: default retention %v, want COMPLIANCE for AnchorRetentionDays", ret)
	}
	for _, n := range []string{"UploadsBucket", "DossiersBucket"} {
		if get(buckets[n], "Properties", "ObjectLockEnabled") == true {
			t.Errorf("%s has Object Lock: its objects could never be replaced or removed", n)
		}
	}
	expires := false
	rules, _ := get(buckets["DossiersBucket"], "Properties", "LifecycleConfiguration", "Rules").(arr)
	for _, r := range rules {
		if isRef(get(r, "ExpirationInDays"), "CopyRetentionDays") && get(r, "Status") == "Enabled" &&
			(get(r, "TagFilters") != nil || strings.Contains(render(get(r, "Prefix")), "copies")) {
			expires = true
		}
	}
	if !expires {
		t.Error("DossiersBucket: no rule expires the lawyers' copies after CopyRetentionDays")
	}
}

// TestTable checks the table against dynamostore.TableSchema.
func TestTable(t *testing.T) {
	tp := load(t)
	tables := tp.ofType("AWS::DynamoDB::Table")
	if len(tables) != 1 {
		t.Fatalf("%d tables, want 1 (the store keeps everything in one)", len(tables))
	}
	p := tables["Table"]["Properties"].(obj)
	want := dynamostore.TableSchema("x")
	if get(p, "BillingMode") != string(want.BillingMode) {
		t.Errorf("BillingMode %v, want %s", get(p, "BillingMode"), want.BillingMode)
	}
	var gotAttrs, wantAttrs []string
	for _, a := range get(p, "AttributeDefinitions").(arr) {
		gotAttrs = append(gotAttrs, fmt.Sprintf("%v %v", get(a, "AttributeName"), get(a, "AttributeType")))
	}
	for _, a := range want.AttributeDefinitions {
		wantAttrs = append(wantAttrs, fmt.Sprintf("%s %s", aws.ToString(a.AttributeName), a.AttributeType))
	}
	sort.Strings(gotAttrs)
	sort.Strings(wantAttrs)
	if !slices.Equal(gotAttrs, wantAttrs) {
		t.Errorf("AttributeDefinitions %v, want %v", gotAttrs, wantAttrs)
	}
	keyStr := func(v any) string {
		var ss []string
		for _, k := range v.(arr) {
			ss = append(ss, fmt.Sprintf("%v %v", get(k, "AttributeName"), get(k, "KeyType")))
		}
		return strings.Join(ss, ", ")
	}
	var wantKeys []string
	for _, k := range want.KeySchema {
		wantKeys = append(wantKeys, fmt.Sprintf("%s %s", aws.ToString(k.AttributeName), k.KeyType))
	}
	if got := keyStr(get(p, "KeySchema")); got != strings.Join(wantKeys, ", ") {
		t.Errorf("KeySchema %s, want %s", got, strings.Join(wantKeys, ", "))
	}
	gsis := map[string]any{}
	for _, g := range get(p, "GlobalSecondaryIndexes").(arr) {
		gsis[render(get(g, "IndexName"))] = g
	}
	if len(gsis) != len(want.GlobalSecondaryIndexes) {
		t.Errorf("%d indexes, want %d", len(gsis), len(want.GlobalSecondaryIndexes))
	}
	for _, wg := range want.GlobalSecondaryIndexes {
		g := gsis[aws.ToString(wg.IndexName)]
		if g == nil {
			t.Errorf("no index %s", aws.ToString(wg.IndexName))
			continue
		}
		var wk []string
		for _, k := range wg.KeySchema {
			wk = append(wk, fmt.Sprintf("%s %s", aws.ToString(k.AttributeName), k.KeyType))
		}
		if got := keyStr(get(g, "KeySchema")); got != strings.Join(wk, ", ") {
			t.Errorf("index %s: keys %s, want %s", aws.ToString(wg.IndexName), got, strings.Join(wk, ", "))
		}
		if get(g, "Projection", "ProjectionType") != string(wg.Projection.ProjectionType) {
			t.Errorf("index %s: projection %v", aws.ToString(wg.IndexName), get(g, "Projection"))
		}
	}
	if get(p, "TimeToLiveSpecification", "AttributeName") != dynamostore.AttrTTL || get(p, "TimeToLiveSpecification", "Enabled") != true {
		t.Errorf("TTL %v, want enabled on %s", get(p, "TimeToLiveSpecification"), dynamostore.AttrTTL)
	}
	if get(p, "PointInTimeRecoverySpecification", "PointInTimeRecoveryEnabled") != true {
		t.Error("point-in-time recovery not enabled")
	}
	if get(p, "SSESpecification", "SSEType") != "KMS" || get(p, "SSESpecification", "KMSMasterKeyId") == nil {
		t.Error("table not encrypted with the customer managed key")
	}
	if get(tables["Table"], "DeletionPolicy") != "Retain" {
		t.Error("table DeletionPolicy is not Retain")
	}
}

func TestQueuesTopicsSchedule(t *testing.T) {
	tp := load(t)
	fns := tp.functions(t)
	q := tp.res["JobQueue"]
	if get(q, "Type") != "AWS::SQS::Queue" {
		t.Fatal("no JobQueue")
	}
	if get(q, "Properties", "RedrivePolicy", "maxReceiveCount") != 5 || render(get(q, "Properties", "RedrivePolicy", "deadLetterTargetArn")) != "DeadLetterQueue.Arn" {
		t.Errorf("JobQueue redrive %v, want DeadLetterQueue after 5 receives", get(q, "Properties", "RedrivePolicy"))
	}
	if vt, _ := get(q, "Properties", "VisibilityTimeout").(int); vt <= fns["assemble"].props["Timeout"].(int) {
		t.Errorf("JobQueue VisibilityTimeout %d s is not longer than the assemble timeout", vt)
	}
	alarmed := false
	for _, a := range tp.ofType("AWS::CloudWatch::Alarm") {
		if strings.Contains(fmt.Sprint(get(a, "Properties", "Dimensions")), "DeadLetterQueue") && get(a, "Properties", "AlarmActions") != nil {
			alarmed = true
		}
	}
	if !alarmed {
		t.Error("no alarm with an action on the dead-letter queue's depth")
	}
	if get(tp.res, "NoticeTopic", "Type") != "AWS::SNS::Topic" {
		t.Error("no SNS notice topic")
	}

	ev := func(name, typ string) obj {
		for _, e := range fns[name].props["Events"].(obj) {
			if get(e, "Type") == typ {
				return e.(obj)["Properties"].(obj)
			}
		}
		t.Fatalf("%s: no %s event", name, typ)
		return nil
	}
	jobs := ev("assemble", "SQS")
	if render(jobs["Queue"]) != "JobQueue.Arn" || jobs["BatchSize"] != 1 || !slices.Contains(strs(jobs["FunctionResponseTypes"]), "ReportBatchItemFailures") {
		t.Errorf("assemble SQS event %v, want JobQueue, batch size 1, ReportBatchItemFailures", jobs)
	}
	s3 := ev("ingest", "S3")
	if !isRef(s3["Bucket"], "UploadsBucket") || render(s3["Events"]) != "s3:ObjectCreated:*" {
		t.Errorf("ingest S3 event %v", s3)
	}
	prefix := render(get(s3, "Filter", "S3Key", "Rules", 0, "Value"))
	if !strings.HasPrefix(ingest.MaterialPrefix, prefix) || !strings.HasPrefix(ingest.AttachmentPrefix, prefix) || prefix == "" ||
		strings.HasPrefix("materials/", prefix) {
		t.Errorf("ingest filter prefix %q: must cover %s and %s but not the normalised materials/ the function writes", prefix, ingest.MaterialPrefix, ingest.AttachmentPrefix)
	}
	if get(fns["ingest"].props, "EventInvokeConfig", "DestinationConfig", "OnFailure") == nil {
		t.Error("ingest: failed S3 events have no on-failure destination")
	}
	sched := ev("deadline", "ScheduleV2")
	if sched["ScheduleExpressionTimezone"] != "Asia/Shanghai" || !strings.Contains(render(sched["ScheduleExpression"]), "15") {
		t.Errorf("deadline schedule %v, want every 15 minutes, Asia/Shanghai", sched)
	}
}

func TestHTTPAPIs(t *testing.T) {
	tp := load(t)
	fns := tp.functions(t)
	apis := tp.ofType("AWS::Serverless::HttpApi")
	for _, name := range []string{"LawyerApi", "ClerkApi", "AuditorApi"} {
		a := apis[name]
		if a == nil {
			t.Fatalf("no %s", name)
		}
		auth := get(a, "Properties", "Auth")
		def := render(get(auth, "DefaultAuthorizer"))
		jwt := get(auth, "Authorizers", def, "JwtConfiguration")
		if !loginValue(get(jwt, "issuer"), "Issuer", "${UserPool}") || !loginValue(get(jwt, "audience", 0), "Audience", "PagesClient") {
			t.Errorf("%s: default authorizer %s is not a JWT authorizer on the user pool's issuer and client, or the Issuer and Audience parameters: %v", name, def, jwt)
		}
	}
	// The pages upload to presigned URLs from the lawyers' and the clerks'
	// origins: the uploads bucket's CORS admits both (and the optional
	// StaffUrl), in either branch of the condition.
	cors := get(tp.res["UploadsBucket"], "Properties", "CorsConfiguration", "CorsRules", 0, "AllowedOrigins", "Fn::If")
	for _, branch := range []int{1, 2} {
		origins := render(get(cors, branch))
		for _, want := range []string{"PublicUrl", "https://${LawyerApi}.execute-api.", "https://${ClerkApi}.execute-api."} {
			if !strings.Contains(origins, want) {
				t.Errorf("uploads CORS (branch %d) %q does not admit %s", branch, origins, want)
			}
		}
	}
	if !strings.Contains(render(get(cors, 1)), "StaffUrl") || render(get(cors, 0)) != "HasStaffUrl" {
		t.Errorf("uploads CORS does not admit StaffUrl when it is set: %v", cors)
	}
	routes := map[string]string{} // "API METHOD PATH" -> function
	noAuth := map[string]bool{}
	for fname, f := range fns {
		evs, _ := f.props["Events"].(obj)
		for _, e := range evs {
			if get(e, "Type") != "HttpApi" {
				continue
			}
			p := e.(obj)["Properties"].(obj)
			k := fmt.Sprintf("%s %s %s", render(p["ApiId"]), p["Method"], p["Path"])
			routes[k] = fname
			if get(p, "Auth", "Authorizer") == "NONE" {
				noAuth[k] = true
			}
		}
	}
	for k, want := range map[string]string{
		"LawyerApi ANY /api/v1/{proxy+}":  "api-lawyer",
		"ClerkApi ANY /api/v1/{proxy+}":   "api-clerk",
		"AuditorApi ANY /api/v1/{proxy+}": "api-auditor",
		"LawyerApi GET /d/{token}":        "download",
		"LawyerApi HEAD /d/{token}":       "download",
		"LawyerApi GET /":                 "api-lawyer",
		"LawyerApi GET /lawyer":           "api-lawyer",
		"LawyerApi GET /static/{file}":    "api-lawyer",
		"ClerkApi GET /":                  "api-clerk",
		"ClerkApi GET /clerk":             "api-clerk",
		"ClerkApi GET /static/{file}":     "api-clerk",
		"AuditorApi GET /":                "api-auditor",
		"AuditorApi GET /auditor":         "api-auditor",
		"AuditorApi GET /static/{file}":   "api-auditor",
		// The pages' sign-in and their cookie route (docs/deployment.md,
		// "Signing in on AWS").
		"LawyerApi ANY /auth/{proxy+}":        "api-lawyer",
		"LawyerApi ANY /web/api/v1/{proxy+}":  "api-lawyer",
		"ClerkApi ANY /auth/{proxy+}":         "api-clerk",
		"ClerkApi ANY /web/api/v1/{proxy+}":   "api-clerk",
		"AuditorApi ANY /auth/{proxy+}":       "api-auditor",
		"AuditorApi ANY /web/api/v1/{proxy+}": "api-auditor",
	} {
		if routes[k] != want {
			t.Errorf("route %s goes to %q, want %s", k, routes[k], want)
		}
	}
	for k := range routes {
		// Without an authorizer: the download door (the token is in the
		// path), the pages (static files that hold no data), their sign-in
		// and the cookie route, whose function checks the session (the JWT
		// authorizer reads only Authorization). /api/v1 is the Bearer
		// callers', always behind the authorizer.
		public := routes[k] == "download" || !strings.Contains(k, " /api/v1/")
		if noAuth[k] != public {
			t.Errorf("route %s: authorizer NONE is %v; only the download door, the static pages, /auth and /web/api/v1 go without", k, noAuth[k])
		}
	}
	// Each /auth/login writes a sign-in under way (15 minutes, the table's
	// TTL): the API's throttle bounds how many anonymous traffic makes.
	for _, name := range []string{"LawyerApi", "ClerkApi", "AuditorApi"} {
		if rate, _ := get(apis[name], "Properties", "DefaultRouteSettings", "ThrottlingRateLimit").(int); rate <= 0 || rate > 50 {
			t.Errorf("%s: throttled at %v a second; want at most 50 (docs/deployment.md, \"Signing in on AWS\")", name, rate)
		}
	}
}

// TestPermissionBoundaries checks that no function is granted what its
// boundary forbids (docs/design.md, "One function per permission boundary").
func TestPermissionBoundaries(t *testing.T) {
	tp := load(t)
	fns := tp.functions(t)
	for name, f := range fns {
		for _, s := range f.allow {
			for _, a := range s.actions {
				if a == "*" || strings.HasSuffix(a, ":*") {
					t.Errorf("%s: statement %s allows every action of a service (%s)", name, s.sid, a)
				}
			}
			for _, r := range s.resources {
				if r == "*" {
					t.Errorf("%s: statement %s allows on every resource", name, s.sid)
				}
			}
		}
		if f.grants("dynamodb:DeleteItem", anything) {
			denied := false
			for _, s := range f.deny {
				if slices.Contains(s.actions, "dynamodb:DeleteItem") && strings.Contains(fmt.Sprint(s.condition), "dynamodb:LeadingKeys") &&
					strings.Contains(fmt.Sprint(s.condition), "audit") {
					denied = true
				}
			}
			if !denied {
				t.Errorf("%s: may DeleteItem but has no deny on the audit partition", name)
			}
		}
		for _, a := range []string{"dynamodb:Scan", "dynamodb:UpdateTable", "dynamodb:DeleteTable", "s3:DeleteObject", "s3:PutBucketPolicy", "s3:PutObjectRetention", "s3:BypassGovernanceRetention"} {
			if f.grants(a, anything) {
				t.Errorf("%s: granted %s, which no function needs", name, a)
			}
		}
		if name != "deadline" && f.grants("s3:PutObject", bucket("anchors")) {
			t.Errorf("%s: may write audit anchors; only the deadline job holds the anchor key", name)
		}
		if name != "deadline" && f.grants("secretsmanager:GetSecretValue", func(r string) bool { return r == "AnchorKeySecret" }) {
			t.Errorf("%s: may read the anchor signing key", name)
		}
		if name != "api-lawyer" && name != "download" && f.grants("secretsmanager:GetSecretValue", func(r string) bool { return r == "LinkKeySecret" }) {
			t.Errorf("%s: may read the link key", name)
		}
		if name != "assemble" && f.grants("s3:PutObject", bucket("dossiers")) {
			t.Errorf("%s: may write dossiers; only the assembler does", name)
		}
	}

	aud := fns["api-auditor"]
	for _, a := range []string{"s3:GetObject", "s3:GetObjectVersion"} {
		if aud.grants(a, bucket("dossiers")) {
			t.Errorf("api-auditor: granted %s on the dossiers bucket: auditors see no dossier content", a)
		}
	}
	for _, a := range []string{"s3:GetObject", "s3:PutObject"} {
		if aud.grants(a, bucket("uploads")) {
			t.Errorf("api-auditor: granted %s on the uploads bucket", a)
		}
	}
	for _, a := range []string{"sqs:SendMessage", "sns:Publish"} {
		if aud.grants(a, anything) {
			t.Errorf("api-auditor: granted %s; the auditor only reads (and leaves its own audit records)", a)
		}
	}
	// It deletes only its pages' sessions and sign-ins under way (keys
	// bff#..., pkg/session).
	for _, st := range aud.allow {
		for _, a := range st.actions {
			if matches(a, "dynamodb:DeleteItem") && !strings.Contains(render(st.condition), `ForAllValues:StringLike:map[dynamodb:LeadingKeys:[bff#*]]`) {
				t.Errorf("api-auditor: granted dynamodb:DeleteItem (%s) beyond the sessions' keys bff#*: %s", st.sid, render(st.condition))
			}
		}
	}

	dl := fns["download"]
	for _, a := range []string{"s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "dynamodb:DeleteItem", "sqs:SendMessage", "sns:Publish"} {
		if dl.grants(a, anything) {
			t.Errorf("download: granted %s; it presigns and counts, nothing more", a)
		}
	}
	for _, s := range dl.allow {
		for _, a := range s.actions {
			if strings.HasPrefix(a, "s3:") && a != "s3:GetObject" {
				t.Errorf("download: granted %s; only s3:GetObject (to presign)", a)
			}
			if strings.HasPrefix(a, "s3:") {
				for _, r := range s.resources {
					if !bucket("dossiers")(r) || !strings.HasSuffix(r, "/copies/*") {
						t.Errorf("download: s3:GetObject on %s; only the dossiers bucket's copies", r)
					}
				}
			}
		}
	}
	if !dl.grants("s3:GetObject", bucket("dossiers")) || !dl.grants("dynamodb:PutItem", anything) || !dl.grants("dynamodb:GetItem", anything) {
		t.Error("download: cannot presign the copy or count the download")
	}

	as := fns["assemble"]
	if !as.grants("s3:PutObject", bucket("dossiers")) || !as.grants("s3:GetObject", bucket("dossiers")) || !as.grants("s3:GetObject", bucket("uploads")) {
		t.Error("assemble: needs put/get on dossiers and get on uploads")
	}
	if as.grants("s3:PutObject", bucket("uploads")) {
		t.Error("assemble: may write uploads")
	}
	for _, n := range []string{"api-lawyer", "api-clerk"} {
		if !fns[n].grants("s3:PutObject", bucket("uploads")) {
			t.Errorf("%s: cannot presign uploads", n)
		}
	}
	if fns["api-clerk"].grants("s3:GetObject", bucket("dossiers")) {
		t.Error("api-clerk: may read dossiers")
	}
}

// loginValue reports whether v is the sign-in's setting: with the stack's
// user pool (condition UseCognito) something naming cognito, else the
// external provider's parameter.
func loginValue(v any, param, cognito string) bool {
	branches, ok := get(v, "Fn::If").(arr)
	return ok && len(branches) == 3 && branches[0] == "UseCognito" && strings.Contains(render(branches[1]), cognito) && isRef(branches[2], param)
}

// TestCognito checks the stack's own sign-in (issue 15): a user pool whose
// groups are the API's roles (and the administrator), with a clerk's unit
// and a lawyer's certificate number as custom attributes and optional TOTP;
// the pages' confidential client on the code flow back to the public URL;
// and every function and HTTP API trusting that pool's tokens, with the
// claims Cognito puts in them, when IdentityProvider is cognito, and the
// external provider's parameters otherwise.
func TestCognito(t *testing.T) {
	tp := load(t)
	if render(get(tp.root, "Conditions", "UseCognito")) == "" || get(tp.root, "Parameters", "IdentityProvider", "Default") != "cognito" {
		t.Fatalf("no UseCognito condition on IdentityProvider (default cognito)")
	}
	pool := tp.res["UserPool"]
	if get(pool, "Type") != "AWS::Cognito::UserPool" || get(pool, "Condition") != "UseCognito" {
		t.Fatalf("UserPool: %v", pool)
	}
	if get(pool, "Properties", "MfaConfiguration") != "OPTIONAL" || fmt.Sprint(get(pool, "Properties", "EnabledMfas")) != "[SOFTWARE_TOKEN_MFA]" {
		t.Errorf("the pool's second factor is not optional TOTP: %v %v", get(pool, "Properties", "MfaConfiguration"), get(pool, "Properties", "EnabledMfas"))
	}
	if get(pool, "Properties", "AdminCreateUserConfig", "AllowAdminCreateUserOnly") != true {
		t.Error("anyone may sign up to the pool")
	}
	attrs := map[string]bool{}
	schema, _ := get(pool, "Properties", "Schema").(arr)
	for _, a := range schema {
		attrs[fmt.Sprint(get(a, "Name"))] = true
	}
	for _, a := range []string{"name", "unit", "certificate"} {
		if !attrs[a] {
			t.Errorf("the pool has no attribute %s", a)
		}
	}
	groups := map[string]bool{}
	for _, r := range tp.ofType("AWS::Cognito::UserPoolGroup") {
		if !isRef(get(r, "Properties", "UserPoolId"), "UserPool") {
			t.Errorf("group %v not in the pool", get(r, "Properties", "GroupName"))
		}
		groups[fmt.Sprint(get(r, "Properties", "GroupName"))] = true
	}
	for _, g := range []string{"lawyer", "clerk", "auditor", "admin"} {
		if !groups[g] {
			t.Errorf("no group %s (the role claim is cognito:groups, whose values are the roles)", g)
		}
	}
	client := tp.res["PagesClient"]
	cp := get(client, "Properties")
	if get(cp, "GenerateSecret") != true || fmt.Sprint(get(cp, "AllowedOAuthFlows")) != "[code]" || !isRef(get(cp, "UserPoolId"), "UserPool") {
		t.Errorf("the pages' client is not a confidential code-flow client of the pool: %v", cp)
	}
	for _, u := range []string{"PublicUrl", "StaffUrl", "AuditorUrl"} {
		if cb := render(get(cp, "CallbackURLs")); !strings.Contains(cb, "${"+u+"}/auth/callback") {
			t.Errorf("the pages' callback URLs lack %s: %s", u, cb)
		}
		if lo := render(get(cp, "LogoutURLs")); !strings.Contains(lo, "${"+u+"}/") {
			t.Errorf("the pages' sign-out URLs lack %s: %s", u, lo)
		}
	}
	// The pages' sign-in on AWS (docs/deployment.md, "Signing in on AWS"):
	// the client secret only in Secrets Manager, from the pool's client;
	// each role function signs its pages in at its own origin.
	secret := tp.res["PagesClientSecret"]
	if get(secret, "Type") != "AWS::SecretsManager::Secret" ||
		!strings.Contains(render(get(secret, "Properties", "SecretString")), "[PagesClient ClientSecret]") {
		t.Errorf("PagesClientSecret does not hold the pool client's secret: %v", secret)
	}
	fns := tp.functions(t)
	for name, origin := range map[string]string{"api-lawyer": "PublicUrl", "api-clerk": "StaffUrl", "api-auditor": "AuditorUrl"} {
		f := fns[name]
		if f == nil {
			t.Fatalf("no function %s", name)
		}
		if !strings.Contains(render(f.env["YUEJUAN_SIGNIN_URL"]), origin) {
			t.Errorf("%s: YUEJUAN_SIGNIN_URL is %v, want %s", name, f.env["YUEJUAN_SIGNIN_URL"], origin)
		}
		if !isRef(f.env["YUEJUAN_SIGNIN_SECRET"], "PagesClientSecret") {
			t.Errorf("%s: YUEJUAN_SIGNIN_SECRET is %v, want !Ref PagesClientSecret", name, f.env["YUEJUAN_SIGNIN_SECRET"])
		}
		if !loginValue(f.env["YUEJUAN_SIGNIN_CLIENT_ID"], "SignInClientId", "PagesClient") {
			t.Errorf("%s: YUEJUAN_SIGNIN_CLIENT_ID is %v", name, f.env["YUEJUAN_SIGNIN_CLIENT_ID"])
		}
		if p := render(f.env["YUEJUAN_SIGNIN_PROVIDER"]); !strings.Contains(p, "UseCognito") || !strings.Contains(p, "cognito") || !strings.Contains(p, "oidc") {
			t.Errorf("%s: YUEJUAN_SIGNIN_PROVIDER is %s, want cognito with the pool, else oidc", name, p)
		}
		for k, v := range f.env {
			if strings.Contains(render(v), "ClientSecret]") {
				t.Errorf("%s: %s carries the client secret in the environment", name, k)
			}
		}
		if !f.grants("secretsmanager:GetSecretValue", func(r string) bool { return strings.Contains(r, "PagesClientSecret") }) {
			t.Errorf("%s may not read PagesClientSecret", name)
		}
		// The sign-in keeps and ends sessions (keys bff#...): the
		// auditor's function, which may delete nothing else, may delete
		// those.
		if !f.grants("dynamodb:DeleteItem", anything) {
			t.Errorf("%s may not delete its pages' sessions", name)
		}
	}
	for name, f := range tp.functions(t) {
		if f.env["YUEJUAN_ISSUER"] == nil {
			continue
		}
		for v, want := range map[string][2]string{
			"YUEJUAN_ISSUER": {"Issuer", "${UserPool}"}, "YUEJUAN_AUDIENCE": {"Audience", "PagesClient"},
			"YUEJUAN_JWKS_URL": {"JwksUrl", "/.well-known/jwks.json"}, "YUEJUAN_CLAIM_ROLE": {"RoleClaim", "cognito:groups"},
			"YUEJUAN_CLAIM_UNIT": {"UnitClaim", "custom:unit"}, "YUEJUAN_CLAIM_SUBJECT": {"SubjectClaim", "cognito:username"}} {
			if !loginValue(f.env[v], want[0], want[1]) {
				t.Errorf("%s: %s is %v, want the pool's (%s) or !Ref %s", name, v, f.env[v], want[1], want[0])
			}
		}
	}
}
