//! The shape of the code, checked: the module graph read from every `use` and path in the
//! sources has no circle, the platform never reaches into a product, the two products
//! never reach into each other, SQL is written only in stores, and docs/architecture.md names
//! only folders that exist.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
};

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

/// The crates read, with the folder of their sources and their name in paths.
const CRATES: [(&str, &str); 3] = [("app", "app/src"), ("domain", "src"), ("server", "server/src")];

/// A product is one of these module trees, in the app and in the domain.
const PRODUCTS: [(&str, [&str; 2]); 2] = [
    ("SasaMum", ["app::mum", "domain::pregnancy"]),
    ("Fish Mouth", ["app::fishmouth", "domain::fishmouth"]),
];

/// Platform modules: they serve every product and name none. Accounts, privacy, help and
/// the operators' pages are the platform's features; a product adds to them through the
/// app's composition file.
const PLATFORM: [&str; 10] = [
    "app::platform",
    "app::components",
    "app::i18n",
    "app::csp",
    "app::auth",
    "app::privacy",
    "app::help",
    "app::admin",
    "app::dev_mailbox",
    "server",
];

/// The composition files, the one place each crate names the products: the app's (brands,
/// and what each product adds to the platform's pages) and the server's (routes, workers,
/// hooks), and the server's benchmark and load tools, which measure the products by name.
const COMPOSITION: [&str; 3] = ["app::products", "server::products", "server::bin"];

/// Every source file as (module path, text), e.g. ("app::fishmouth::wallet", "...").
fn modules() -> BTreeMap<String, String> {
    let mut modules = BTreeMap::new();
    for (krate, dir) in CRATES {
        let base = Path::new(ROOT).join(dir);
        for file in rust_files(&base) {
            let relative = file.strip_prefix(&base).expect("under its crate");
            let mut parts: Vec<String> = vec![krate.to_owned()];
            for part in relative.iter() {
                let part = part.to_string_lossy();
                let name = part.trim_end_matches(".rs");
                if !matches!(name, "mod" | "lib" | "main") {
                    parts.push(name.to_owned());
                }
            }
            let text = std::fs::read_to_string(&file).expect("readable source");
            modules.insert(parts.join("::"), text);
        }
    }
    modules
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("a source folder").flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// The code without comments, string literals or `#[cfg(test)]` modules: what names modules.
fn code_of(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => text,
    };
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        let rest = &text[i..];
        if rest.starts_with("//") {
            i += rest.find('\n').unwrap_or(rest.len());
        } else if rest.starts_with("/*") {
            i += rest.find("*/").map_or(rest.len(), |end| end + 2);
        } else if let Some(hashes) = raw_string_start(rest) {
            let close = format!("\"{}", "#".repeat(hashes));
            let open = 2 + hashes;
            i += open
                + rest[open..]
                    .find(&close)
                    .map_or(rest.len() - open, |end| end + close.len());
            out.push_str("\"\"");
        } else if rest.starts_with('"') {
            let mut j = 1;
            while j < rest.len() && bytes[i + j] != b'"' {
                j += if bytes[i + j] == b'\\' { 2 } else { 1 };
            }
            i += (j + 1).min(rest.len());
            out.push_str("\"\"");
        } else if let Some(length) = char_literal(rest) {
            i += length;
        } else {
            let c = rest.chars().next().expect("not empty");
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// The length of a character literal starting here ('{', '\'', '\u{7f}'), not a lifetime.
fn char_literal(rest: &str) -> Option<usize> {
    let after = rest.strip_prefix('\'')?;
    if after.starts_with('\\') {
        return after[2..].find('\'').map(|end| end + 4);
    }
    let c = after.chars().next()?;
    after[c.len_utf8()..].starts_with('\'').then_some(c.len_utf8() + 2)
}

/// `r"` or `r#"`: the number of hashes of a raw string starting here.
fn raw_string_start(rest: &str) -> Option<usize> {
    let after = rest.strip_prefix('r')?;
    let hashes = after.len() - after.trim_start_matches('#').len();
    after[hashes..].starts_with('"').then_some(hashes)
}

#[derive(Debug, PartialEq)]
enum Token {
    Word(String),
    Colons,
    Open,
    Close,
    Comma,
    Star,
    Other(char),
}

fn tokens(code: &str) -> Vec<Token> {
    let chars: Vec<char> = code.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            tokens.push(Token::Word(chars[start..i].iter().collect()));
            continue;
        }
        tokens.push(match c {
            ':' if chars.get(i + 1) == Some(&':') => {
                i += 1;
                Token::Colons
            }
            '{' => Token::Open,
            '}' => Token::Close,
            ',' => Token::Comma,
            '*' => Token::Star,
            c if c.is_whitespace() => {
                i += 1;
                continue;
            }
            c => Token::Other(c),
        });
        i += 1;
    }
    tokens
}

/// Every module path a file names, absolute ("app::platform::outbox::Email"), from `use`
/// trees and paths in code alike; `crate`, `super` and `self` are resolved from `here`.
fn named_paths(here: &str, code: &str) -> Vec<String> {
    let tokens = tokens(code);
    let krate = here.split("::").next().expect("a crate").to_owned();
    let mut found = Vec::new();
    // Inline modules (`mod ssr { ... }`) open a scope `super` climbs out of.
    let mut scope: Vec<String> = here.split("::").map(str::to_owned).collect();
    let mut inline: Vec<usize> = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i] {
            Token::Word(w) if w == "mod" => {
                if let (Some(Token::Word(name)), Some(Token::Open)) = (tokens.get(i + 1), tokens.get(i + 2)) {
                    scope.push(name.clone());
                    depth += 1;
                    inline.push(depth);
                    i += 3;
                    continue;
                }
            }
            Token::Open => depth += 1,
            Token::Close => {
                if inline.last() == Some(&depth) {
                    inline.pop();
                    scope.pop();
                }
                depth = depth.saturating_sub(1);
            }
            Token::Word(w) if matches!(w.as_str(), "crate" | "super" | "app" | "domain" | "server") => {
                let previous_is_colons = i > 0 && tokens[i - 1] == Token::Colons;
                if !previous_is_colons && tokens.get(i + 1) == Some(&Token::Colons) {
                    let mut base: Vec<String> = match w.as_str() {
                        "crate" => vec![krate.clone()],
                        "super" => scope[..scope.len() - 1].to_vec(),
                        other => vec![other.to_owned()],
                    };
                    let mut j = i + 2;
                    while let (Some(Token::Word(s)), Some(Token::Colons)) = (tokens.get(j), tokens.get(j + 1)) {
                        if s != "super" {
                            break;
                        }
                        base.pop();
                        j += 2;
                    }
                    i = use_tree(&tokens, j, base, &mut found);
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    found
}

/// Reads one use tree (or path) at `i` under `base`; returns where it ends.
fn use_tree(tokens: &[Token], mut i: usize, mut base: Vec<String>, found: &mut Vec<String>) -> usize {
    loop {
        match tokens.get(i) {
            Some(Token::Word(w)) => {
                if w != "self" {
                    base.push(w.clone());
                }
                if tokens.get(i + 1) == Some(&Token::Colons) {
                    i += 2;
                } else {
                    found.push(base.join("::"));
                    return i + 1;
                }
            }
            Some(Token::Open) => {
                i += 1;
                while !matches!(tokens.get(i), Some(Token::Close) | None) {
                    i = use_tree(tokens, i, base.clone(), found);
                    while matches!(tokens.get(i), Some(Token::Word(w)) if w == "as")
                        || matches!(tokens.get(i), Some(Token::Word(_)))
                    {
                        i += 1;
                    }
                    if tokens.get(i) == Some(&Token::Comma) {
                        i += 1;
                    }
                }
                return i + 1;
            }
            _ => {
                found.push(base.join("::"));
                return i + 1;
            }
        }
    }
}

/// The file module a path lands in: its longest prefix that is a module.
fn module_of<'a>(path: &str, modules: &'a BTreeMap<String, String>) -> Option<&'a str> {
    let mut parts: Vec<&str> = path.split("::").collect();
    while !parts.is_empty() {
        if let Some((name, _)) = modules.get_key_value(&parts.join("::")) {
            return Some(name);
        }
        parts.pop();
    }
    None
}

fn within(module: &str, tree: &str) -> bool {
    module == tree || module.starts_with(&format!("{tree}::"))
}

/// Arrows between file modules: a file that names a path in another (not its own ancestor
/// or descendant: `mod` and `super` are how a tree is built, not a dependency).
fn arrows(modules: &BTreeMap<String, String>) -> BTreeMap<String, BTreeSet<String>> {
    let mut arrows: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, text) in modules {
        let targets = arrows.entry(from.clone()).or_default();
        for path in named_paths(from, &code_of(text)) {
            if let Some(to) = module_of(&path, modules)
                && to != from
                && !within(from, to)
                && !within(to, from)
            {
                targets.insert(to.to_owned());
            }
        }
    }
    arrows
}

/// Circles in the graph (Tarjan's strongly connected components of more than one module).
fn circles(arrows: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct Walk<'a> {
        arrows: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        found: Vec<Vec<String>>,
    }
    impl<'a> Walk<'a> {
        fn visit(&mut self, node: &'a str) {
            let n = self.index.len();
            self.index.insert(node, n);
            self.low.insert(node, n);
            self.stack.push(node);
            self.on_stack.insert(node);
            for next in self.arrows.get(node).into_iter().flatten() {
                let next = next.as_str();
                if !self.index.contains_key(next) {
                    self.visit(next);
                    let low = self.low[node].min(self.low[next]);
                    self.low.insert(node, low);
                } else if self.on_stack.contains(next) {
                    let low = self.low[node].min(self.index[next]);
                    self.low.insert(node, low);
                }
            }
            if self.low[node] == self.index[node] {
                let mut component = Vec::new();
                while let Some(top) = self.stack.pop() {
                    self.on_stack.remove(top);
                    component.push(top.to_owned());
                    if top == node {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort();
                    self.found.push(component);
                }
            }
        }
    }
    let mut walk = Walk {
        arrows,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for node in arrows.keys() {
        if !walk.index.contains_key(node.as_str()) {
            walk.visit(node);
        }
    }
    walk.found
}

#[test]
fn the_module_graph_has_no_circle() {
    let modules = modules();
    let circles = circles(&arrows(&modules));
    assert!(
        circles.is_empty(),
        "modules that depend on each other in a circle: {circles:#?}"
    );
}

#[test]
fn the_platform_names_no_product_and_the_products_not_each_other() {
    let modules = modules();
    let arrows = arrows(&modules);
    let product_of = |module: &str| {
        PRODUCTS
            .iter()
            .find(|(_, trees)| trees.iter().any(|tree| within(module, tree)))
            .map(|(name, _)| *name)
    };
    let mut wrong = Vec::new();
    for (from, targets) in &arrows {
        let platform =
            PLATFORM.iter().any(|tree| within(from, tree)) && !COMPOSITION.iter().any(|tree| within(from, tree));
        for to in targets {
            let Some(product) = product_of(to) else { continue };
            if platform {
                wrong.push(format!("platform {from} -> {product} ({to})"));
            } else if let Some(own) = product_of(from)
                && own != product
            {
                wrong.push(format!("{own} {from} -> {product} ({to})"));
            }
        }
    }
    assert!(wrong.is_empty(), "arrows the architecture forbids: {wrong:#?}");
}

/// Where SQL may be written: a feature's `store.rs`, and the benchmark and load tools (which
/// seed their own fixtures, as tests do).
fn may_hold_sql(module: &str) -> bool {
    module.ends_with("::store") || within(module, "server::bin")
}

#[test]
fn sql_is_written_only_in_stores() {
    let outside: Vec<String> = modules()
        .into_iter()
        .filter(|(module, _)| !may_hold_sql(module))
        .filter_map(|(module, text)| {
            let code = code_of(&text);
            let calls = ["sqlx::query", "query_as(", "query_scalar(", "QueryBuilder::new"]
                .iter()
                .map(|call| code.matches(call).count())
                .sum::<usize>();
            (calls > 0).then(|| format!("{module}: {calls}"))
        })
        .collect();
    assert!(
        outside.is_empty(),
        "SQL outside a store.rs (move it into the feature's store): {outside:#?}"
    );
}

#[test]
fn the_reader_finds_arrows_and_circles_written_every_way() {
    let code = code_of(
        r#"
        use crate::{platform::{audit, outbox::Email as Mail}, mum};
        // use crate::fishmouth::wallet;
        let s = "crate::fishmouth::stripe";
        mod ssr {
            use super::super::leads::Lead;
            fn f() { crate::auth::guards::parse_id("x"); }
        }
        "#,
    );
    let paths = named_paths("app::fishmouth::wallet", &code);
    assert_eq!(
        paths,
        [
            "app::platform::audit",
            "app::platform::outbox::Email",
            "app::mum",
            "app::fishmouth::leads::Lead",
            "app::auth::guards::parse_id",
        ]
    );
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("a".to_owned(), BTreeSet::from(["b".to_owned()])),
        ("b".to_owned(), BTreeSet::from(["c".to_owned()])),
        ("c".to_owned(), BTreeSet::from(["a".to_owned()])),
        ("d".to_owned(), BTreeSet::from(["a".to_owned()])),
    ]
    .into();
    assert_eq!(circles(&graph), [["a", "b", "c"]]);
}

#[test]
fn every_folder_the_architecture_doc_names_exists() {
    let doc = std::fs::read_to_string(Path::new(ROOT).join("docs/architecture.md")).expect("docs/architecture.md");
    let mut named = BTreeSet::new();
    for quoted in doc.split('`').skip(1).step_by(2) {
        let looks_like_a_path = quoted.contains('/')
            && !quoted.contains(' ')
            && !quoted.starts_with('/')
            && !quoted.contains("://")
            && quoted
                .split('/')
                .next()
                .is_some_and(|top| Path::new(ROOT).join(top).exists());
        if looks_like_a_path {
            named.insert(quoted.trim_end_matches('/').to_owned());
        }
    }
    assert!(
        named.len() >= 10,
        "the doc names the code's folders and files: {named:?}"
    );
    let missing: Vec<_> = named
        .iter()
        .filter(|path| !Path::new(ROOT).join(path).exists())
        .collect();
    assert!(
        missing.is_empty(),
        "docs/architecture.md names paths that do not exist: {missing:?}"
    );
}
