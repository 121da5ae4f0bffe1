# A realistic tree of the leak sites RULES.md names, with the exact set of
# (path, line, rule) expected: .npmrc (_authToken, _auth, _password),
# Dockerfile ENV, .env, terraform.tfvars, terraform.tfstate with escaped
# JSON, Ansible group_vars, a GitHub workflow, a Kubernetes Secret with
# base64 data and env, compose, Yarn 2+, shell, a private key, docs and a
# lockfile; ${NPM_TOKEN}-style references must not be reported.
. "$(dirname "$0")/lib.sh"

T=
for i in 1 2 3 4 5 6 7 8; do
	p=npm_
	[ "$i" = 2 ] && p=ghp_
	t=$(gen_token "$((1900 + i))" "$p") || fail "gen_token"
	T="$T $t"
done
# Opaque values of credential keys (no checksum): leaks by RULES.md 3.6.
OPQ="glpat-Q7mWx2Kv9LpR4tZs8NbY Rk4nWq8ZtL2vXc6HmJ9s Pw7mQ2zRx9kL4vHt
Tz5vKq9WmP3xLr7NcB2h Jd3kR8wNq5ZvTm2XpL7c Hy6tLm3QwZ9rXk2VnP8d
Gn2vXq7KmR4tWz9LpB5s Fm8qZt3NvK6wRx2LpJ9c Cv4nTq9WzL2mXr7KpH5d"
register_secret $T $OPQ

python3 - $T $OPQ <<'PY' || fail "making the corpus"
import base64, os, random, sys
T = dict(("T%d" % i, v) for i, v in enumerate(sys.argv[1:9], 1))
O = dict(("O%d" % i, v) for i, v in enumerate(sys.argv[9:18], 1))
b64 = lambda s: base64.b64encode(s.encode()).decode()
V = dict(T, **O)
V["UUID1"] = "8c6f2a1e-4b3d-4c7e-9f1a-2d5b7e9c0a13"
V["AUTH1"] = b64("ci-bot:Vq7kLp2xR9wT")
V["PASS1"] = b64("Hq8-zN4_wT6-pL2x")
V["B64NPMRC"] = b64("//registry.npmjs.org/:_authToken=%s\n" % T["T7"])
V["IDENT"] = "deploy:Wq4zN8vLp2Kx7"
V["URLPW"] = "Xk9mP2vQ7rT4wZ8n"
rnd = random.Random(7)
V["KEYBODY"] = "\n".join(
    base64.b64encode(bytes(rnd.randrange(256) for _ in range(52))).decode()
    for _ in range(5))
with open(".values", "w") as fh:
    for k in ("AUTH1", "PASS1", "IDENT", "URLPW", "UUID1"):
        fh.write(V[k] + "\n")

files = {}
files[".npmrc"] = """\
registry=https://registry.npmjs.org/
@acme:registry=https://npm.pkg.github.com/
//registry.npmjs.org/:_authToken=@T1@
//npm.pkg.github.com/:_authToken=@T2@
//gitlab.corp.internal/api/v4/projects/42/packages/npm/:_authToken=@O1@
//legacy.corp.internal/:_authToken=@UUID1@
//nexus.corp.internal/repository/npm-group/:_auth=@AUTH1@
//nexus.corp.internal/repository/npm-group/:username=deploy
//nexus.corp.internal/repository/npm-group/:_password=@PASS1@
//nexus.corp.internal/repository/npm-group/:email=deploy@example.com
//ci.example.com/:_authToken=${NPM_TOKEN}
always-auth=true
"""
files["Dockerfile"] = """\
FROM node:20-alpine AS build
ARG NPM_TOKEN
WORKDIR /app
COPY package*.json ./
RUN echo "//registry.npmjs.org/:_authToken=${NPM_TOKEN}" > .npmrc && npm ci
ENV NPM_TOKEN=@T3@
ENV NODE_AUTH_TOKEN @O2@
ARG NPM_AUTH_TOKEN=$NPM_TOKEN
"""
files[".env"] = """\
# local development settings
NODE_ENV=production
NPM_TOKEN=@T4@
NPM_TOKEN_FILE=/run/secrets/npm_token
npm_config_user_agent=npm/10.2.4 node/v20.11.0 linux x64
NPM_PASSWORD=@O3@
NPM_SECRET=
API_URL=https://api.example.com
"""
files["infra/terraform.tfvars"] = """\
region          = "eu-west-1"
npm_token       = "@O4@"
npm_registry    = "https://registry.npmjs.org/"
node_auth_token = var.npm_token
"""
files["infra/terraform.tfstate"] = """\
{
  "version": 4,
  "terraform_version": "1.6.6",
  "serial": 12,
  "lineage": "3f2a6c1e-8b7d-4e5f-9a0b-1c2d3e4f5a6b",
  "outputs": {},
  "resources": [
    {
      "mode": "managed",
      "type": "aws_ecs_task_definition",
      "name": "app",
      "instances": [
        {
          "attributes": {
            "id": "8c2e7b1a-0d4f-4a6b-9c3e-5f7a9b1d3e5f",
            "environment": [{"variables": {"NPM_TOKEN": "@O5@"}}],
            "container_definitions": "[{\\"name\\":\\"app\\",\\"environment\\":[{\\"name\\":\\"NPM_TOKEN\\",\\"value\\":\\"@T5@\\"}]}]"
          }
        }
      ]
    }
  ]
}
"""
files["ansible/group_vars/all.yml"] = """\
---
npm_registry: https://registry.npmjs.org/
npm_token: "{{ vault_npm_token }}"
npm_auth_token: @O6@
node_version: 20
npm_password: !vault |
          $ANSIBLE_VAULT;1.1;AES256
          62313365396662343061393464336163383764373764613633653634306231386433626436623361
"""
files[".github/workflows/publish.yml"] = """\
name: publish
on:
  release:
    types: [published]
jobs:
  publish:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 20
          registry-url: https://registry.npmjs.org
      - run: npm publish
        env:
          NODE_AUTH_TOKEN: ${{ secrets.NPM_TOKEN }}
      - run: npm publish --registry https://npm.pkg.github.com
        env:
          NODE_AUTH_TOKEN: @T6@
"""
files["k8s/secret.yaml"] = """\
apiVersion: v1
kind: Secret
metadata:
  name: npmrc
  namespace: ci
  uid: 0f8e2d4c-6b1a-4e3f-8d5c-7a9b2e4f6c8d
type: Opaque
data:
  .npmrc: @B64NPMRC@
  username: ZGVwbG95
"""
files["k8s/deployment.yaml"] = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: builder
spec:
  template:
    spec:
      containers:
        - name: builder
          image: node:20
          env:
            - name: NPM_TOKEN
              value: @O7@
            - name: NPM_TOKEN_FILE
              value: /var/run/secrets/npm
            - name: NODE_AUTH_TOKEN
              valueFrom:
                secretKeyRef:
                  name: npm
                  key: token
"""
files["docker-compose.yml"] = """\
services:
  app:
    build:
      context: .
      args:
        NPM_TOKEN: ${NPM_TOKEN}
        NODE_AUTH_TOKEN: ${NODE_AUTH_TOKEN:-@T8@}
    environment:
      - NPM_TOKEN=${NPM_TOKEN:?set NPM_TOKEN}
      - NPM_AUTH_TOKEN=${NPM_AUTH_TOKEN:-}
"""
files[".yarnrc.yml"] = """\
nodeLinker: node-modules
npmRegistryServer: "https://registry.npmjs.org"
npmAuthToken: "${NPM_TOKEN}"
npmScopes:
  acme:
    npmRegistryServer: "https://npm.acme.example.com"
    npmAuthToken: @O8@
npmRegistries:
  "https://npm.internal.example.com":
    npmAuthIdent: "@IDENT@"
"""
files["scripts/publish.sh"] = """\
#!/bin/sh
set -eu
npm config set //registry.npmjs.org/:_authToken "$NPM_TOKEN"
npm publish --registry https://deploy:@URLPW@@npm.corp.internal/
npm whoami --//registry.npmjs.org/:_authToken=@O9@
"""
files["deploy/id_ed25519"] = """\
-----BEGIN OPENSSH PRIVATE KEY-----
@KEYBODY@
-----END OPENSSH PRIVATE KEY-----
"""
files["README.md"] = """\
# Publishing
Set `NPM_TOKEN=<your token>` in CI, or put
`//registry.npmjs.org/:_authToken=${NPM_TOKEN}` in .npmrc.
Example: `npm_token: "xxxxxxxxxxxxxxxxxxxx"`.
NPM_TOKEN=changeme
_authToken=YOUR_NPM_TOKEN_HERE
"""
files["package-lock.json"] = """\
{
  "name": "app",
  "lockfileVersion": 3,
  "packages": {
    "node_modules/left-pad": {
      "version": "1.3.0",
      "resolved": "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz",
      "integrity": "sha512-XI5MPzVNApjAyhQzphX8BkmKsKUxD4LdyK24iZeQ9Ktd7qhPy3ZtmnZkLwGM4Ewg8RJ+bzVFIRd2Xh0D4ogfvA=="
    }
  }
}
"""
for name, text in files.items():
    for k in sorted(V, key=len, reverse=True):
        text = text.replace("@%s@" % k, V[k])
    if "@T" in text or "@O" in text:
        sys.exit("unreplaced marker in " + name)
    path = os.path.join("corpus", name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as fh:
        fh.write(text)
PY

expected="[
    ('corpus/.npmrc', 3, 'npm-token'),
    ('corpus/.npmrc', 4, 'github-token'),
    ('corpus/.npmrc', 5, 'npmrc-authtoken'),
    ('corpus/.npmrc', 6, 'npm-legacy-token'),
    ('corpus/.npmrc', 7, 'npmrc-auth'),
    ('corpus/.npmrc', 9, 'npmrc-password'),
    ('corpus/Dockerfile', 6, 'npm-token'),
    ('corpus/Dockerfile', 7, 'env-npm-token'),
    ('corpus/.env', 3, 'npm-token'),
    ('corpus/.env', 6, 'env-npm-token'),
    ('corpus/infra/terraform.tfvars', 2, 'env-npm-token'),
    ('corpus/infra/terraform.tfstate', 16, 'env-npm-token'),
    ('corpus/infra/terraform.tfstate', 17, 'npm-token'),
    ('corpus/ansible/group_vars/all.yml', 4, 'env-npm-token'),
    ('corpus/.github/workflows/publish.yml', 19, 'npm-token'),
    ('corpus/k8s/secret.yaml', 9, 'npm-token'),
    ('corpus/k8s/deployment.yaml', 13, 'env-npm-token'),
    ('corpus/docker-compose.yml', 7, 'npm-token'),
    ('corpus/.yarnrc.yml', 7, 'yarn-auth-token'),
    ('corpus/.yarnrc.yml', 10, 'yarn-auth-ident'),
    ('corpus/scripts/publish.sh', 4, 'url-credentials'),
    ('corpus/scripts/publish.sh', 5, 'npmrc-authtoken'),
    ('corpus/deploy/id_ed25519', 1, 'private-key'),
]"

assert_status 1 "$TOKENGUARD" scan --format json corpus
cp "$OUT" corpus.json
json_check corpus.json "expect($expected)" || exit 1
assert_status 1 "$TOKENGUARD" scan corpus
assert_lines 23 "$OUT"
while IFS= read -r v; do
	assert_no_secret "$v" corpus.json "$OUT" "$ERR"
done <.values
