import { deepEqual, equal, throws } from "node:assert/strict";
import { redactPattern, redactStrings, redactText, redactUrl } from "../lib/redact.ts";

Deno.test("URL credentials and token-like parameters are blanked, the rest kept", () => {
  const cases: [string, string][] = [
    ["https://user:pass@host.example/path?q=1", "https://***@host.example/path?q=1"],
    ["https://ghp_abcdef@github.com/org/repo.git", "https://***@github.com/org/repo.git"],
    [
      "https://api.example/v3?zone=DE&token=abc&api_key=k&X-Amz-Signature=s&country_code=DE",
      "https://api.example/v3?zone=DE&token=***&api_key=***&X-Amz-Signature=***&country_code=DE",
    ],
    [
      "https://idp.example/cb#access_token=t1&state=x",
      "https://idp.example/cb#access_token=***&state=x",
    ],
    ["https://api.example/?api%5Fkey=k", "https://api.example/?api%5Fkey=***"],
    ["http://127.0.0.1:8080", "http://127.0.0.1:8080"],
    ["https://u:p@h:1@evil.example/", "https://***@evil.example/"],
  ];
  for (const [url, expected] of cases) equal(redactUrl(url), expected, url);
});

Deno.test("every URL in a text is redacted: messages, arguments, pip freeze lines", () => {
  equal(
    redactText("mylib @ git+https://bob:tok123@git.example/mylib.git@v1"),
    "mylib @ git+https://***@git.example/mylib.git@v1",
  );
  equal(
    redactText('Cannot reach "https://a:b@x.example/?key=1" or https://c:d@y.example'),
    'Cannot reach "https://***@x.example/?key=***" or https://***@y.example',
  );
  equal(redactText("no url here: user:pass@host"), "no url here: user:pass@host");
});

Deno.test("--redact patterns blank their matches in every string of a record, keys kept", () => {
  const patterns = [redactPattern("sk-[a-z0-9]+"), redactPattern("/home/[^/]+")];
  deepEqual(
    redactStrings({
      command: ["python", "train.py", "--key", "sk-abc123"],
      cwd: "/home/alice/project",
      labels: { "sk-keyname": "https://u:p@h.example" },
      count: 3,
    }, patterns),
    {
      command: ["python", "train.py", "--key", "***"],
      cwd: "***/project",
      labels: { "sk-keyname": "https://***@h.example" },
      count: 3,
    },
  );
  throws(() => redactPattern(""), /empty pattern/);
  throws(() => redactPattern("(x"), SyntaxError);
});
