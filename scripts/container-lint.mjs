// Static checks of the container files, for scripts/container-check.sh (no Docker engine needed).
// Prints TAP-style "ok"/"not ok" lines; exits 1 when any check fails.
//
//   node scripts/container-lint.mjs dockerfile  the Dockerfile's stages, COPY sources, pins,
//                                               .dockerignore, user, health check, entrypoint
//   node scripts/container-lint.mjs layout      what the runtime image holds, as tab-separated
//                                               lines (copy <local path> <image path>, env, ...)
//   node scripts/container-lint.mjs compose     compose.yaml against the Compose specification
//                                               schema, and against the server's variables
//
// CARGO_TARGET_DIR and LEPTOS_SITE_ROOT (from scripts/env.sh) say where the local release build
// is: it stands for the builder stage's output. Libraries come from tools/ (npm): dockerfile-ast
// and dockerfile-utils parse and lint the Dockerfile, @balena/dockerignore applies .dockerignore
// as Docker does, and ajv validates against the schema that the dclint package ships.
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(path.join(ROOT, "tools", "package.json"));
const TARGET = process.env.CARGO_TARGET_DIR || path.join(ROOT, "target");
const SITE = process.env.LEPTOS_SITE_ROOT || path.join(TARGET, "site");

let failures = 0;
function check(pass, what, detail = "") {
  if (pass) console.log(`ok - ${what}`);
  else {
    console.log(`not ok - ${what}${detail ? `: ${detail}` : ""}`);
    failures += 1;
  }
  return pass;
}
const note = (text) => console.log(`# ${text}`);
const read = (rel) => fs.readFileSync(path.join(ROOT, rel), "utf8");
// A file inside an installed package (for files that its "exports" do not list).
const packageFile = (name, rel) => path.join(ROOT, "tools", "node_modules", name, rel);

// ---------------------------------------------------------------- Dockerfile

/** The Dockerfile as stages: { name, image, workdir, env, copies, args, user, ... }. */
function parseDockerfile() {
  const { DockerfileParser } = require("dockerfile-ast");
  const dockerfile = DockerfileParser.parse(read("Dockerfile"));
  const stages = [];
  let stage = null;
  for (const instruction of dockerfile.getInstructions()) {
    const keyword = instruction.getKeyword();
    const args = instruction.getArguments().map((a) => a.getValue());
    if (keyword === "FROM") {
      stage = {
        image: instruction.getImage(),
        name: instruction.getBuildStage(),
        line: instruction.getRange().start.line + 1,
        workdir: "/",
        env: {},
        args: {},
        copies: [],
        user: null,
        healthcheck: null,
        entrypoint: null,
      };
      stages.push(stage);
      continue;
    }
    if (!stage) continue; // ARGs before the first FROM
    switch (keyword) {
      case "WORKDIR":
        stage.workdir = path.posix.resolve(stage.workdir, args[0]);
        break;
      case "ENV":
        for (const property of instruction.getProperties()) {
          stage.env[property.getName()] = property.getValue() ?? "";
        }
        break;
      case "ARG":
        for (const property of instruction.getProperties()) {
          stage.args[property.getName()] = property.getValue();
        }
        break;
      case "USER":
        stage.user = args[0];
        break;
      case "HEALTHCHECK":
        stage.healthcheck = instruction.getRawArgumentsContent();
        break;
      case "ENTRYPOINT":
        stage.entrypoint = instruction.getJSONStrings
          ? instruction.getJSONStrings().map((s) => s.getJSONValue())
          : null;
        break;
      case "ADD":
        stage.copies.push({ line: instruction.getRange().start.line + 1, add: true, sources: [], dest: "" });
        break;
      case "COPY": {
        const flags = Object.fromEntries(instruction.getFlags().map((f) => [f.getName(), f.getValue()]));
        const paths = instruction.getArguments().map((a) => a.getValue());
        const dest = paths.pop();
        stage.copies.push({
          line: instruction.getRange().start.line + 1,
          from: flags.from ?? null,
          sources: paths,
          dest,
          // Where each source lands: in a folder when the target ends in / or there are several.
          targets: paths.map((src) => {
            const into = dest.endsWith("/") || paths.length > 1;
            const base = path.posix.resolve(stage.workdir, dest);
            return into ? path.posix.join(base, path.posix.basename(src)) : base;
          }),
        });
        break;
      }
      default:
    }
  }
  return stages;
}

/** Maps a path inside the builder stage to the local file that stands for it. */
function builderMapper(builder) {
  const targetDir = builder.env.CARGO_TARGET_DIR || path.posix.join(builder.workdir, "target");
  const siteRootRel = /^site-root\s*=\s*"([^"]+)"/m.exec(read("Leptos.toml"))?.[1] ?? "target/site";
  const siteDir = path.posix.resolve(builder.workdir, siteRootRel);
  const fromContext = builder.copies
    .filter((c) => !c.from)
    .flatMap((c) => c.sources.map((src, i) => ({ container: c.targets[i], repo: src })));
  const under = (p, dir) => p === dir || p.startsWith(dir + "/");
  return (p) => {
    if (under(p, siteDir)) return { kind: "built", local: path.join(SITE, path.posix.relative(siteDir, p)) };
    if (under(p, targetDir)) return { kind: "built", local: path.join(TARGET, path.posix.relative(targetDir, p)) };
    const copied = fromContext.find((c) => under(p, c.container));
    if (copied) {
      return { kind: "copied", local: path.join(ROOT, copied.repo, path.posix.relative(copied.container, p)) };
    }
    return null;
  };
}

function runtimeLayout(stages) {
  const builder = stages.find((s) => s.name === "builder");
  const runtime = stages.at(-1);
  const map = builderMapper(builder);
  const layout = [];
  for (const copy of runtime.copies) {
    copy.sources.forEach((src, i) => {
      const origin = copy.from === "builder" ? map(path.posix.resolve(builder.workdir, src)) : null;
      layout.push({ copy, src, dest: copy.targets[i], origin });
    });
  }
  return { builder, runtime, layout };
}

function checkDockerfile() {
  const { validate } = require("dockerfile-utils");
  const ignore = require("@balena/dockerignore");
  const text = read("Dockerfile");
  const problems = validate(text).filter((d) => d.severity === 1);
  check(
    problems.length === 0,
    "Dockerfile parses without errors (dockerfile-utils)",
    problems.map((d) => `line ${d.range.start.line + 1}: ${d.message}`).join("; "),
  );

  const stages = parseDockerfile();
  const builder = stages.find((s) => s.name === "builder");
  const runtime = stages.at(-1);
  if (!check(builder && runtime && builder !== runtime, "a builder stage and a separate runtime stage")) return;
  note(`stages: ${stages.map((s) => `${s.name ?? "(unnamed)"}=${s.image}`).join(", ")}`);

  const rustVersion = /^rust-version\s*=\s*"([^"]+)"/m.exec(read("Cargo.toml"))?.[1];
  check(
    builder.image === `rust:${rustVersion}-bookworm`,
    `builder image is rust:${rustVersion}-bookworm (Cargo.toml rust-version)`,
    builder.image,
  );
  const envSh = read("scripts/env.sh");
  const leptosPin = /^CARGO_LEPTOS_VERSION="([^"]+)"/m.exec(envSh)?.[1];
  check(
    builder.args.CARGO_LEPTOS_VERSION === leptosPin,
    `cargo-leptos pin ${builder.args.CARGO_LEPTOS_VERSION} matches scripts/env.sh`,
    `scripts/env.sh has ${leptosPin}`,
  );
  const lockedBindgen = /\[\[package\]\]\nname = "wasm-bindgen"\nversion = "([^"]+)"/.exec(read("Cargo.lock"))?.[1];
  check(
    builder.args.WASM_BINDGEN_VERSION === lockedBindgen,
    `wasm-bindgen-cli pin ${builder.args.WASM_BINDGEN_VERSION} matches Cargo.lock`,
    `Cargo.lock has ${lockedBindgen}`,
  );

  // Every builder COPY from the build context names a path that exists and that .dockerignore lets in.
  const ignoreFile = fs.existsSync(path.join(ROOT, ".dockerignore")) ? read(".dockerignore") : "";
  const ig = ignore().add(ignoreFile.split("\n"));
  for (const copy of builder.copies) {
    if (copy.add) {
      check(false, `builder line ${copy.line}: COPY, not ADD`);
      continue;
    }
    if (copy.from) {
      note(`builder line ${copy.line}: COPY --from=${copy.from} ${copy.sources.join(" ")} (another image, not the context)`);
      continue;
    }
    for (const src of copy.sources) {
      const rel = path.posix.normalize(src).replace(/\/$/, "");
      const exists = fs.existsSync(path.join(ROOT, rel));
      const excluded = ig.ignores(rel);
      check(
        exists && !excluded,
        `builder COPY ${src} (line ${copy.line}) is in the build context`,
        !exists ? "no such path in the repository" : "excluded by .dockerignore",
      );
    }
  }
  for (const secret of [".env", ".data", "target", "tools/node_modules", "end2end"]) {
    check(ig.ignores(secret), `.dockerignore keeps ${secret} out of the build context`);
  }

  // The runtime stage takes only what the builder produced (or copied in), nothing else.
  const { layout } = runtimeLayout(stages);
  for (const { copy, src, dest, origin } of layout) {
    if (copy.from !== "builder") {
      check(false, `runtime COPY ${src} (line ${copy.line}) comes from the builder stage`, copy.from ? `--from=${copy.from}` : "from the build context");
      continue;
    }
    const shown = origin ? path.relative(ROOT, origin.local) || origin.local : "";
    check(
      origin && fs.existsSync(origin.local),
      `runtime ${dest} <- builder ${src}${origin ? ` (${origin.kind}: ${shown.startsWith("..") ? origin.local : shown})` : ""}`,
      origin ? `${origin.local} does not exist: run the release build (cargo leptos build --release)` : "the builder stage neither builds nor copies this path",
    );
  }
  const dests = layout.map((l) => l.dest);
  const has = (p) => dests.some((d) => p === d || p.startsWith(d + "/"));
  const server = dests.find((d) => path.posix.basename(d) === "server");
  check(
    server && dests.includes(path.posix.join(path.posix.dirname(server), "hash.txt")),
    "hash.txt sits beside the server binary (the server reads it from there)",
  );
  check(has(runtime.env.LEPTOS_CONFIG ?? "-"), `LEPTOS_CONFIG=${runtime.env.LEPTOS_CONFIG} is in the image`);
  check(has(runtime.env.LEPTOS_SITE_ROOT ?? "-"), `LEPTOS_SITE_ROOT=${runtime.env.LEPTOS_SITE_ROOT} is in the image`);
  check(
    (runtime.env.LEPTOS_SITE_ADDR ?? "").startsWith("0.0.0.0:"),
    `LEPTOS_SITE_ADDR=${runtime.env.LEPTOS_SITE_ADDR} listens on every interface of the container`,
  );
  check(runtime.env.APP_ENV === "production", "APP_ENV=production in the image");
  check(
    runtime.user && !/^(0|root)(:|$)/.test(runtime.user),
    `runs as a non-root user (USER ${runtime.user})`,
  );
  check(
    runtime.entrypoint && has(runtime.entrypoint[0]) && runtime.entrypoint[0].endsWith("docker-entrypoint.sh"),
    `ENTRYPOINT ${JSON.stringify(runtime.entrypoint)} is the copied docker-entrypoint.sh`,
  );
  check(
    /healthcheck|\/healthz/.test(runtime.healthcheck ?? ""),
    `HEALTHCHECK probes /healthz (${(runtime.healthcheck ?? "none").replace(/\s*\\\n\s*/g, " ")})`,
  );
}

function printLayout() {
  const { runtime, layout } = runtimeLayout(parseDockerfile());
  for (const { dest, origin } of layout) {
    if (!origin) {
      console.error(`not produced by the builder: ${dest}`);
      process.exit(1);
    }
    console.log(["copy", origin.local, dest].join("\t"));
  }
  for (const [key, value] of Object.entries(runtime.env)) console.log(["env", key, value].join("\t"));
  console.log(["user", runtime.user ?? ""].join("\t"));
  console.log(["entrypoint", ...(runtime.entrypoint ?? [])].join("\t"));
  const probe = runtime.healthcheck?.match(/\[(.*)\]/);
  if (probe) console.log(["healthcheck", ...JSON.parse(`[${probe[1]}]`)].join("\t"));
}

// ---------------------------------------------------------------- compose.yaml

function checkCompose() {
  const YAML = require("yaml");
  const { Ajv } = require("ajv");
  const schema = JSON.parse(fs.readFileSync(packageFile("dclint", "schemas/compose.schema.json"), "utf8"));
  const document = YAML.parseDocument(read("compose.yaml"), { merge: true });
  if (!check(document.errors.length === 0, "compose.yaml is valid YAML", document.errors.map(String).join("; "))) return;
  const compose = document.toJS();

  // The schema names draft-07 by its https address; ajv knows draft-07 as http://...#.
  // (dclint rewrites it the same way before validating.)
  if (schema.$schema === "https://json-schema.org/draft-07/schema") {
    schema.$schema = "http://json-schema.org/draft-07/schema#";
  }
  const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
  check(ajv.validateSchema(schema), "the Compose schema is itself a valid draft-07 JSON schema", ajv.errorsText());
  const validate = ajv.compile(schema);
  const describe = (errors) =>
    (errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message}${e.params?.additionalProperty ? ` (${e.params.additionalProperty})` : ""}`).join("; ");
  note(`schema: ${schema.title} (${schema.$id}) from dclint ${JSON.parse(fs.readFileSync(packageFile("dclint", "package.json"))).version}, ajv ${JSON.parse(fs.readFileSync(packageFile("ajv", "package.json"))).version}`);
  check(validate(compose), "compose.yaml follows the Compose specification schema", describe(validate.errors));
  // The validator itself is live: the same file with one unknown key must fail.
  const broken = structuredClone(compose);
  broken.services.app.restart_policy_typo = "always";
  check(!validate(broken), "the schema rejects the same file with an unknown service key");

  const services = compose.services ?? {};
  for (const name of ["app", "db", "backup"]) check(name in services, `service ${name} is defined`);
  const { app = {}, db = {}, backup = {} } = services;

  // Every variable given to the app is one the server reads, and production's required ones are there.
  // The configuration is one file per section (its tests apart).
  const configRs = fs
    .readdirSync(path.join(ROOT, "server/src/config"))
    .filter((f) => f.endsWith(".rs") && f !== "tests.rs")
    .map((f) => read(`server/src/config/${f}`))
    .join("\n");
  const known = new Set([...configRs.matchAll(/"([A-Z][A-Z0-9_]{2,})"/g)].map((m) => m[1]));
  known.add("RUST_LOG"); // tracing's EnvFilter (server/src/telemetry.rs)
  const appEnv = Array.isArray(app.environment)
    ? Object.fromEntries(app.environment.map((kv) => kv.split(/=(.*)/s).slice(0, 2)))
    : (app.environment ?? {});
  const unknown = Object.keys(appEnv).filter((k) => !known.has(k) && !k.startsWith("LEPTOS_"));
  check(unknown.length === 0, "every app variable is one server/src/config/ reads", `unknown: ${unknown.join(", ")}`);
  check(appEnv.APP_ENV === "production", "the app runs with APP_ENV=production");
  // Every setting an operator writes in compose.env reaches the app, not only the ones listed.
  const envFiles = [app.env_file ?? []].flat().map((f) => (typeof f === "string" ? f : f.path));
  check(envFiles.includes("compose.env"), "the app reads the whole compose.env (env_file)", `env_file: ${JSON.stringify(app.env_file)}`);
  const required = ["DATABASE_URL", "APP_PUBLIC_URL", "JWT_SECRET", "HEALTH_DATA_KEY", "SMTP_URL"];
  const missing = required.filter((k) => !(k in appEnv));
  check(missing.length === 0, `the app gets ${required.join(", ")}`, `missing: ${missing.join(", ")}`);

  const namedVolumes = new Set(Object.keys(compose.volumes ?? {}));
  const volumeOf = (service, target) =>
    (service.volumes ?? [])
      .map((v) => (typeof v === "string" ? { source: v.split(":")[0], target: v.split(":")[1] } : v))
      .find((v) => v.target === target)?.source;
  check(/^postgres:15(\.|-|$)/.test(db.image ?? ""), `db runs PostgreSQL 15 (${db.image})`);
  check(namedVolumes.has(volumeOf(db, "/var/lib/postgresql/data")), "db keeps its data in a named volume");
  check(Boolean(db.healthcheck?.test), "db has a health check");
  check(
    app.depends_on?.db?.condition === "service_healthy",
    "the app starts once the database is healthy",
  );
  const backupCommand = JSON.stringify([backup.entrypoint, backup.command]);
  check(/scripts\/backup\.sh/.test(backupCommand) && /sleep/.test(backupCommand), "backup runs scripts/backup.sh in a loop");
  check(backup.environment?.BACKUP_DIR && namedVolumes.has(volumeOf(backup, backup.environment.BACKUP_DIR)), "backups go to a named volume");
  check(/^postgres:15(\.|-|$)/.test(backup.image ?? ""), "backup uses pg_dump of the server's major version");

  // Every ${VAR:?...} compose demands is listed in compose.env.example.
  const demanded = new Set([...read("compose.yaml").matchAll(/\$\{([A-Z_][A-Z0-9_]*):\?/g)].map((m) => m[1]));
  const example = read("compose.env.example");
  const unlisted = [...demanded].filter((k) => !new RegExp(`^#?\\s*${k}=`, "m").test(example));
  check(unlisted.length === 0, `compose.env.example lists every required variable (${[...demanded].join(", ")})`, `missing: ${unlisted.join(", ")}`);
}

const command = process.argv[2];
if (command === "dockerfile") checkDockerfile();
else if (command === "layout") printLayout();
else if (command === "compose") checkCompose();
else {
  console.error("usage: node scripts/container-lint.mjs dockerfile|layout|compose");
  process.exit(2);
}
process.exit(failures ? 1 : 0);
