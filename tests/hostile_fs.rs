//! A hostile repository: its config, ignore files, file names and special files cannot
//! make acrlint read outside the scanned tree, hang, hide files silently, or write what it
//! did not scan. Each case builds a small repository in a temporary folder and runs the
//! real binary (or the library).

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A registry with the admin user enabled (ACR002, fixable) and public access left to its
/// default (ACR001, fixable by an insertion: the SKU is Premium).
const CARELESS: &str = "resource \"azurerm_container_registry\" \"a\" {\n  name                = \"acr1\"\n  resource_group_name = \"rg\"\n  location            = \"westeurope\"\n  sku                 = \"Premium\"\n  admin_enabled       = true\n}\n";

/// Like [`CARELESS`], with the admin setting from a variable.
const FROM_VARIABLE: &str = "variable \"admin\" {\n  default = false\n}\n\nresource \"azurerm_container_registry\" \"a\" {\n  name                = \"acr1\"\n  resource_group_name = \"rg\"\n  location            = \"westeurope\"\n  sku                 = \"Premium\"\n  admin_enabled       = var.admin\n}\n";

const SECRET: &str = "s3cr3t-TOKEN-4711";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Run acrlint in `dir`; a run that has not finished after 20 s is killed and fails the
/// test (a hang guard, not a timing assertion).
fn run_in(dir: &Path, args: &[&str], stdin: Option<Vec<u8>>) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_acrlint"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("acrlint starts");
    let feeder = stdin.map(|bytes| {
        let mut pipe = child.stdin.take().expect("stdin");
        // acrlint may stop reading (input over the limit): a broken pipe is expected then.
        std::thread::spawn(move || {
            let _ = pipe.write_all(&bytes);
        })
    });
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = r.read_to_end(&mut buf);
            buf
        })
    };
    let out = drain(Box::new(child.stdout.take().expect("stdout")));
    let err = drain(Box::new(child.stderr.take().expect("stderr")));
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("acrlint {args:?} did not finish within 20 s (hang)");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    if let Some(f) = feeder {
        let _ = f.join();
    }
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.join().unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&err.join().unwrap()).into_owned(),
    }
}

fn run(dir: &Path, args: &[&str]) -> Run {
    run_in(dir, args, None)
}

/// `<tmp>/repo` with a `.git` folder, and `<tmp>/outside` next to it.
fn repo() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let repo = t.path().join("repo");
    let outside = t.path().join("outside");
    fs::create_dir_all(repo.join(".git")).unwrap();
    fs::create_dir_all(&outside).unwrap();
    (t, repo, outside)
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().expect("mkfifo");
    assert!(status.success());
}

// ------------------------------------------------------------------------ confinement

#[test]
fn a_var_file_outside_the_tree_is_refused_and_its_secret_never_printed() {
    let (_t, repo, outside) = repo();
    fs::write(
        outside.join("ci.env"),
        format!("admin = true\nTOKEN=\"{SECRET}\"\n{SECRET} garbage line\n"),
    )
    .unwrap();
    fs::write(repo.join("main.tf"), FROM_VARIABLE).unwrap();
    fs::write(
        repo.join("acrlint.toml"),
        "var-files = [\"../outside/ci.env\"]\n",
    )
    .unwrap();
    for format in ["human", "json", "sarif", "github"] {
        let r = run(&repo, &["check", "--format", format, "."]);
        assert_eq!(r.code, 2, "{format}: {}{}", r.stdout, r.stderr);
        assert!(
            !r.stdout.contains(SECRET) && !r.stderr.contains(SECRET),
            "{format}: the secret leaked:\n{}{}",
            r.stdout,
            r.stderr
        );
        assert!(
            r.stderr.contains("acrlint.toml")
                && r.stderr.contains("`var-files`")
                && r.stderr.contains("../outside/ci.env")
                && r.stderr.contains("outside the scanned folders"),
            "{format}: {}",
            r.stderr
        );
    }
    // The same file named by the user on the command line is read (the user is trusted).
    fs::remove_file(repo.join("acrlint.toml")).unwrap();
    fs::write(outside.join("user.tfvars"), "admin = true\n").unwrap();
    let r = run(
        &repo,
        &[
            "check",
            "--format",
            "json",
            "--var-file",
            "../outside/user.tfvars",
            ".",
        ],
    );
    assert!(
        r.stdout.contains("ACR002") && r.stdout.contains("user.tfvars"),
        "{}{}",
        r.stdout,
        r.stderr
    );
}

#[test]
fn absolute_paths_and_links_out_of_the_tree_in_the_config_are_refused() {
    let (_t, repo, outside) = repo();
    fs::write(outside.join("prod.parameters.json"), SECRET).unwrap();
    fs::write(repo.join("main.tf"), FROM_VARIABLE).unwrap();
    std::os::unix::fs::symlink(outside.join("prod.parameters.json"), repo.join("p.json")).unwrap();
    fs::write(
        repo.join("acrlint.toml"),
        "parameter-files = [\"p.json\"]\nvar-files = [\"/etc/passwd\"]\n",
    )
    .unwrap();
    let r = run(&repo, &["check", "."]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("`parameter-files` entry \"p.json\""),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("`var-files` entry \"/etc/passwd\""),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("root:") && !r.stdout.contains(SECRET));
}

#[test]
fn relative_config_paths_resolve_against_the_config_files_folder() {
    let (t, repo, _) = repo();
    fs::create_dir_all(repo.join("env")).unwrap();
    fs::create_dir_all(repo.join("infra")).unwrap();
    fs::write(repo.join("infra/main.tf"), FROM_VARIABLE).unwrap();
    fs::write(repo.join("env/prod.tfvars"), "admin = true\n").unwrap();
    fs::write(
        repo.join("acrlint.toml"),
        "var-files = [\"env/prod.tfvars\"]\n",
    )
    .unwrap();
    // A decoy of the same relative name in the working folder.
    fs::create_dir_all(t.path().join("env")).unwrap();
    fs::write(t.path().join("env/prod.tfvars"), "admin = false\n").unwrap();
    let r = run(t.path(), &["check", "--format", "json", "repo"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let acr002 = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "ACR002")
        .expect("the repository's env/prod.tfvars sets admin = true");
    assert!(
        acr002.to_string().contains("repo/env/prod.tfvars"),
        "{acr002}"
    );
}

#[cfg(unix)]
#[test]
fn dev_zero_as_a_config_var_file_is_refused() {
    let (_t, repo, _) = repo();
    fs::write(repo.join("main.tf"), CARELESS).unwrap();
    fs::write(repo.join("acrlint.toml"), "var-files = [\"/dev/zero\"]\n").unwrap();
    let r = run(&repo, &["check", "."]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("\"/dev/zero\""), "{}", r.stderr);
    // Named by the user, it is not read either: not a regular file, an error (exit 2)
    // rather than a scan without the values asked for.
    fs::remove_file(repo.join("acrlint.toml")).unwrap();
    let r = run(&repo, &["check", "-v", "--var-file", "/dev/zero", "."]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("/dev/zero") && r.stderr.contains("not a regular file"),
        "{}",
        r.stderr
    );
}

#[test]
fn config_and_ignore_files_above_the_repository_root_do_not_apply() {
    let t = tempfile::tempdir().unwrap();
    let repo = t.path().join("repo");
    fs::create_dir_all(repo.join(".git")).unwrap();
    fs::create_dir_all(repo.join("infra")).unwrap();
    fs::write(repo.join("infra/main.tf"), CARELESS).unwrap();
    fs::write(t.path().join(".ignore"), "*.tf\n").unwrap();
    fs::write(t.path().join(".gitignore"), "*.tf\n").unwrap();
    fs::write(t.path().join("acrlint.toml"), "[rules]\nACR002 = \"off\"\n").unwrap();
    let r = run(&repo, &["check", "--format", "json", "infra"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["summary"]["files_scanned"], 1, "{}", r.stdout);
    assert!(r.stdout.contains("ACR002"), "{}", r.stdout);
    // Up to the repository root they do apply.
    fs::write(repo.join(".ignore"), "main.tf\n").unwrap();
    let r = run(&repo, &["check", "infra"]);
    assert!(
        r.stdout
            .contains("no findings in 0 files (1 hidden by ignore files; -v lists them)"),
        "{}",
        r.stdout
    );
}

#[test]
fn outside_a_repository_nothing_above_the_scanned_folder_applies() {
    let t = tempfile::tempdir().unwrap();
    let scan = t.path().join("scan");
    fs::create_dir_all(&scan).unwrap();
    fs::write(scan.join("main.tf"), CARELESS).unwrap();
    fs::write(t.path().join(".gitignore"), "main.tf\n").unwrap();
    fs::write(t.path().join("acrlint.toml"), "[rules]\nACR002 = \"off\"\n").unwrap();
    let r = run(t.path(), &["check", "scan"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("ACR002"), "{}", r.stdout);
    assert!(!r.stdout.contains("hidden"), "{}", r.stdout);
}

// ------------------------------------------------------------------------ hidden files

#[test]
fn files_an_ignore_file_hides_are_counted_in_the_summary_and_listed_with_v() {
    let (_t, repo, _) = repo();
    fs::create_dir_all(repo.join("gen")).unwrap();
    fs::write(repo.join("main.tf"), FROM_VARIABLE).unwrap();
    fs::write(repo.join("prod.tf"), CARELESS).unwrap();
    fs::write(repo.join("gen/a.tf"), CARELESS).unwrap();
    fs::write(repo.join("gen/notes.txt"), "not a scanned extension").unwrap();
    fs::write(repo.join(".ignore"), "prod.tf\n").unwrap();
    fs::write(repo.join(".gitignore"), "gen/\n").unwrap();
    let r = run(&repo, &["check", "-v", "."]);
    assert!(
        r.stdout
            .contains("in 1 file (2 hidden by ignore files; -v lists them)"),
        "{}",
        r.stdout
    );
    assert!(
        r.stderr.contains("prod.tf: not scanned: hidden")
            && r.stderr.contains("gen/a.tf: not scanned: hidden"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("notes.txt"), "{}", r.stderr);
    // The config's excludes count too.
    fs::write(repo.join(".ignore"), "").unwrap();
    fs::write(repo.join("acrlint.toml"), "exclude = [\"prod.tf\"]\n").unwrap();
    let r = run(&repo, &["check", "."]);
    assert!(
        r.stdout
            .contains("(2 hidden by ignore files; -v lists them)"),
        "{}",
        r.stdout
    );
    let a = {
        let config = acrlint::config::Config::load(&repo.join("acrlint.toml")).unwrap();
        let ws = acrlint::Workspace::from_paths(std::slice::from_ref(&repo), &config).unwrap();
        acrlint::analyze(&ws, &config)
    };
    assert_eq!(a.files_hidden, 2);
    assert_eq!(a.files_scanned, 1);
}

#[test]
fn a_folder_named_on_the_command_line_is_scanned_even_when_ignored() {
    let (_t, repo, _) = repo();
    fs::create_dir_all(repo.join("build")).unwrap();
    fs::write(repo.join("build/main.tf"), CARELESS).unwrap();
    fs::write(repo.join("build/x.auto.tfvars"), "a = 1\n").unwrap();
    fs::write(repo.join(".gitignore"), "build/\n*.tfvars\n").unwrap();
    let r = run(&repo, &["check", "build"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("in 1 file (1 hidden by ignore files; -v lists them)"),
        "{}",
        r.stdout
    );
    let r = run(&repo, &["check", "."]);
    assert!(
        r.stdout
            .contains("no findings in 0 files (2 hidden by ignore files; -v lists them)"),
        "{}",
        r.stdout
    );
}

#[cfg(unix)]
#[test]
fn a_file_name_that_is_not_utf8_is_scanned_and_shown_escaped() {
    use std::os::unix::ffi::OsStrExt;
    let (_t, repo, _) = repo();
    let name = std::ffi::OsStr::from_bytes(b"bad\xff\x1b[31m.tf");
    fs::write(repo.join(name), CARELESS).unwrap();
    for format in ["human", "json", "github"] {
        let r = run(&repo, &["check", "--format", format, "."]);
        assert_eq!(r.code, 1, "{format}: {}{}", r.stdout, r.stderr);
        assert!(r.stdout.contains("ACR002"), "{format}: {}", r.stdout);
        assert!(
            !r.stdout.contains('\u{1b}') && !r.stderr.contains('\u{1b}'),
            "{format}: raw escape printed: {:?}",
            r.stdout
        );
        // JSON escapes the backslash once more.
        assert!(
            r.stdout
                .replace("\\\\", "\\")
                .contains("bad\u{fffd}\\u{1b}[31m.tf"),
            "{format}: {}",
            r.stdout
        );
    }
}

// ------------------------------------------------------------------------ special files

#[cfg(unix)]
#[test]
fn a_fifo_in_the_tree_is_skipped_with_a_note() {
    let (_t, repo, _) = repo();
    fs::write(repo.join("main.tf"), CARELESS).unwrap();
    mkfifo(&repo.join("x.tf"));
    let r = run(&repo, &["check", "-v", "."]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("ACR002"), "{}", r.stdout);
    assert!(
        r.stderr
            .contains("x.tf: skipped: not a regular file (a FIFO)"),
        "{}",
        r.stderr
    );
    // Named explicitly, too.
    let r = run(&repo, &["check", "-v", "x.tf", "main.tf"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("x.tf: skipped"), "{}", r.stderr);
}

#[cfg(unix)]
#[test]
fn a_fifo_as_a_bicep_module_does_not_hang() {
    let (_t, repo, _) = repo();
    fs::write(
        repo.join("main.bicep"),
        "module m './mod.bicep' = {\n  name: 'm'\n}\n\nresource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {\n  name: 'acr1'\n  location: 'westeurope'\n  sku: {\n    name: 'Premium'\n  }\n  properties: {\n    adminUserEnabled: true\n  }\n}\n",
    )
    .unwrap();
    mkfifo(&repo.join("mod.bicep"));
    let r = run(&repo, &["check", "-v", "."]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("ACR002"), "{}", r.stdout);
    assert!(
        r.stderr.contains("mod.bicep: skipped: not a regular file"),
        "{}",
        r.stderr
    );
}

#[cfg(unix)]
#[test]
fn a_fifo_as_a_var_file_or_an_ignore_file_does_not_hang() {
    let (_t, repo, _) = repo();
    fs::write(repo.join("main.tf"), CARELESS).unwrap();
    mkfifo(&repo.join("vars.tfvars"));
    mkfifo(&repo.join(".gitignore"));
    fs::write(repo.join("acrlint.toml"), "var-files = [\"vars.tfvars\"]\n").unwrap();
    let r = run(&repo, &["check", "-v", "."]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("cannot read var file") && r.stderr.contains("not a regular file"),
        "{}",
        r.stderr
    );
    // Named on the command line: refused without opening it (exit 2, as any `--var-file`
    // that cannot be read).
    fs::remove_file(repo.join("acrlint.toml")).unwrap();
    let r = run(&repo, &["check", "-v", "--var-file", "vars.tfvars", "."]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("not a regular file"), "{}", r.stderr);
}

#[cfg(unix)]
#[test]
fn the_reader_refuses_special_files_and_caps_what_it_reads() {
    use acrlint::discover::{ReadError, read_text};
    let d = tempfile::tempdir().unwrap();
    mkfifo(&d.path().join("f.tf"));
    assert!(matches!(
        read_text(&d.path().join("f.tf")),
        Err(ReadError::NotText(m)) if m.contains("FIFO")
    ));
    assert!(matches!(
        read_text(Path::new("/dev/zero")),
        Err(ReadError::NotText(m)) if m.contains("device")
    ));
}

// ------------------------------------------------------------------------ standard input

#[test]
fn standard_input_over_the_limit_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let mut big = vec![b'#'; acrlint::discover::MAX_FILE_BYTES as usize + 1];
    big.push(b'\n');
    let r = run_in(
        d.path(),
        &["check", "-", "--stdin-filename", "main.tf"],
        Some(big),
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("standard input is over the") && r.stderr.contains("limit"),
        "{}",
        r.stderr
    );
}

#[test]
fn fix_of_standard_input_prints_the_fixed_text_and_writes_nothing() {
    let d = tempfile::tempdir().unwrap();
    let unrelated = "# the file on disk, not the one piped in\n";
    fs::write(d.path().join("main.tf"), unrelated).unwrap();
    let r = run_in(
        d.path(),
        &[
            "check",
            "--no-config",
            "--fix",
            "--unsafe-fixes",
            "-",
            "--stdin-filename",
            "main.tf",
        ],
        Some(CARELESS.as_bytes().to_vec()),
    );
    assert_eq!(
        fs::read_to_string(d.path().join("main.tf")).unwrap(),
        unrelated
    );
    assert_eq!(
        fs::read_dir(d.path()).unwrap().count(),
        1,
        "no other file was created"
    );
    assert!(
        r.stdout.contains("admin_enabled                 = false")
            && r.stdout.contains("public_network_access_enabled = false")
            && r.stdout
                .starts_with("resource \"azurerm_container_registry\""),
        "the fixed text on standard output: {}",
        r.stdout
    );
    assert!(!r.stdout.contains("ACR002"), "{}", r.stdout);
    // The report (what remains) goes to standard error.
    assert!(r.stderr.contains("finding"), "{}", r.stderr);
    assert!(!r.stderr.contains("ACR002"), "{}", r.stderr);
}

// ------------------------------------------------------------------------ --fix

#[cfg(unix)]
#[test]
fn fix_keeps_the_byte_order_mark_crlf_and_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let d = tempfile::tempdir().unwrap();
    let path = d.path().join("main.tf");
    let mut bytes = b"\xef\xbb\xbf".to_vec();
    bytes.extend_from_slice(CARELESS.replace('\n', "\r\n").as_bytes());
    fs::write(&path, &bytes).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
    let r = run(
        d.path(),
        &["check", "--no-config", "--fix", "--unsafe-fixes", "."],
    );
    assert!(
        r.stderr.contains("fixed 2 finding(s) in 1 file(s)"),
        "{}",
        r.stderr
    );
    let after = fs::read(&path).unwrap();
    assert!(after.starts_with(b"\xef\xbb\xbfresource "), "{after:?}");
    let text = String::from_utf8(after[3..].to_vec()).unwrap();
    // The inserted attribute is the longest of its group: the `=` re-aligned to it.
    assert!(
        text.contains("admin_enabled                 = false\r\n"),
        "{text:?}"
    );
    assert!(
        text.contains("public_network_access_enabled = false\r\n"),
        "{text:?}"
    );
    assert_eq!(
        text.matches('\n').count(),
        text.matches("\r\n").count(),
        "a bare LF: {text:?}"
    );
    let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
    assert_eq!(
        fs::read_dir(d.path()).unwrap().count(),
        1,
        "a temporary file was left"
    );
}

#[test]
fn a_fix_that_would_land_in_a_comment_is_not_applied() {
    let d = tempfile::tempdir().unwrap();
    // The public-access member would go first in `properties`: inside the comment.
    let commented = "resource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {\n  name: 'acr1'\n  location: 'westeurope'\n  sku: {\n    name: 'Premium'\n  }\n  properties: { /* settings,\n    reviewed by the platform team */\n    adminUserEnabled: false\n  }\n}\n";
    fs::write(d.path().join("main.bicep"), commented).unwrap();
    let unsafe_fix = |what: &str| {
        run(
            d.path(),
            &["check", "--no-config", what, "--unsafe-fixes", "."],
        )
    };
    let r = unsafe_fix("--diff");
    assert_eq!(r.code, 0, "nothing to change: {}", r.stdout);
    let r = unsafe_fix("--fix");
    assert!(!r.stderr.contains("fixed"), "{}", r.stderr);
    assert!(r.stdout.contains("ACR001"), "still reported: {}", r.stdout);
    assert_eq!(
        fs::read_to_string(d.path().join("main.bicep")).unwrap(),
        commented
    );
    // Without the comment the same fix applies: the test above is not vacuous.
    let plain = commented.replace(
        "{ /* settings,\n    reviewed by the platform team */\n",
        "{\n",
    );
    fs::write(d.path().join("main.bicep"), &plain).unwrap();
    let r = unsafe_fix("--fix");
    assert!(r.stderr.contains("fixed 1 finding(s)"), "{}", r.stderr);
    assert!(
        fs::read_to_string(d.path().join("main.bicep"))
            .unwrap()
            .contains("publicNetworkAccess: 'Disabled'")
    );
}

#[test]
fn comment_and_string_regions_by_format() {
    use acrlint::fix::comments_and_strings;
    let tf =
        "a = \"x # y\" # c\n/* b\n*/ k = <<EOT\n}\nEOT\nz = \"${v == \"#\" ? \"}\" : 1}\" // d\n";
    let r = comments_and_strings(Path::new("m.tf"), tf);
    let texts: Vec<&str> = r.iter().map(|r| &tf[r.clone()]).collect();
    assert_eq!(
        texts,
        [
            "\"x # y\"",
            "# c",
            "/* b\n*/",
            "<<EOT\n}\nEOT",
            "\"${v == \"#\" ? \"}\" : 1}\"",
            "// d"
        ]
    );
    let bicep = "p: 'it\\'s // no' // c\nq: '''\nx'''\n";
    let r = comments_and_strings(Path::new("m.bicep"), bicep);
    let texts: Vec<&str> = r.iter().map(|r| &bicep[r.clone()]).collect();
    assert_eq!(texts, ["'it\\'s // no'", "// c", "'''\nx'''"]);
    let json = "{\"a\": \"/* no */\", /* c */ \"b\": 1}";
    let r = comments_and_strings(Path::new("t.json"), json);
    let texts: Vec<&str> = r.iter().map(|r| &json[r.clone()]).collect();
    assert_eq!(texts, ["\"a\"", "\"/* no */\"", "/* c */", "\"b\""]);
}

#[test]
fn when_one_file_cannot_be_written_no_file_is_changed() {
    let d = tempfile::tempdir().unwrap();
    for name in ["a", "b", "c"] {
        fs::create_dir_all(d.path().join(name)).unwrap();
        fs::write(d.path().join(name).join("main.tf"), CARELESS).unwrap();
    }
    let config = acrlint::config::Config::default();
    let ws = acrlint::Workspace::from_paths(&[d.path().to_path_buf()], &config).unwrap();
    let a = acrlint::analyze(&ws, &config);
    let changes = acrlint::fix::plan(&a, &|_| true, true).changes;
    assert_eq!(changes.len(), 3);
    // The third file is gone (a folder in its place) by the time of writing.
    fs::remove_file(d.path().join("c/main.tf")).unwrap();
    fs::create_dir(d.path().join("c/main.tf")).unwrap();
    let err = acrlint::fix::write(&changes).unwrap_err().to_string();
    assert!(
        err.contains("c/main.tf") && err.contains("no file was changed"),
        "{err}"
    );
    for name in ["a", "b"] {
        assert_eq!(
            fs::read_to_string(d.path().join(name).join("main.tf")).unwrap(),
            CARELESS
        );
        assert_eq!(
            fs::read_dir(d.path().join(name)).unwrap().count(),
            1,
            "a temporary file was left in {name}"
        );
    }
    // A file edited since the scan stops the write as well.
    fs::remove_dir(d.path().join("c/main.tf")).unwrap();
    fs::write(d.path().join("c/main.tf"), format!("{CARELESS}# edited\n")).unwrap();
    let err = acrlint::fix::write(&changes).unwrap_err().to_string();
    assert!(err.contains("changed since it was scanned"), "{err}");
    assert_eq!(
        fs::read_to_string(d.path().join("a/main.tf")).unwrap(),
        CARELESS
    );
}

#[cfg(unix)]
#[test]
fn baseline_write_refuses_a_symbolic_link() {
    let (_t, repo, outside) = repo();
    fs::write(repo.join("main.tf"), CARELESS).unwrap();
    fs::write(outside.join("target.json"), "keep").unwrap();
    std::os::unix::fs::symlink(outside.join("target.json"), repo.join("baseline.json")).unwrap();
    let r = run(&repo, &["baseline", "write", "baseline.json", "."]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("symbolic link"), "{}", r.stderr);
    assert_eq!(
        fs::read_to_string(outside.join("target.json")).unwrap(),
        "keep"
    );
    assert!(
        fs::symlink_metadata(repo.join("baseline.json"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    // A plain file is written (whole, through a temporary file).
    let r = run(&repo, &["baseline", "write", "base2.json", "."]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(repo.join("base2.json")).unwrap()).unwrap();
    assert_eq!(v["version"], 1);
}
