//! The build cache: highlighted code, what the search index made of each text and each
//! article's headings and links, kept between builds, outside the project. A warm build writes the same site as a cold one;
//! what the cache holds is checked before use, so a damaged or tampered cache never changes
//! a page's text or adds markup.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{BIN, Kb};

fn build(kb: &Kb, cache: &Path, out: &Path, extra: &[&str]) -> Output {
    let out = Command::new(BIN)
        .arg("--root")
        .arg(kb.path())
        .args(["build", "--out"])
        .arg(out)
        .args(extra)
        .env("PATHBOOK_CACHE_DIR", cache)
        .output()
        .expect("run pathbook");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    out
}

/// Every file of a built site, by relative path.
fn site(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<_> = walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| (e.path().strip_prefix(dir).unwrap().to_path_buf(), std::fs::read(e.path()).unwrap()))
        .collect();
    files.sort();
    files
}

/// The store file called `name` under a cache folder (one project's folder, holding the
/// highlighted blocks, the Markdown scans and the search memo, and nothing else).
fn store(cache: &Path, name: &str) -> PathBuf {
    let mut files: Vec<_> = walkdir::WalkDir::new(cache)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().to_path_buf())
        .collect();
    files.sort();
    let names: Vec<_> = files.iter().map(|f| f.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert_eq!(names, ["highlight.bin", "scan.bin", "search.bin"], "{files:?}");
    files.into_iter().find(|f| f.ends_with(name)).unwrap()
}

fn assert_same_site(a: &Path, b: &Path) {
    let (a, b) = (site(a), site(b));
    assert_eq!(a.len(), b.len());
    for ((pa, ba), (pb, bb)) in a.iter().zip(&b) {
        assert_eq!(pa, pb);
        assert!(ba == bb, "{} differs", pa.display());
    }
}

#[test]
fn a_warm_build_writes_the_same_site_as_a_cold_one() {
    let kb = Kb::shipped();
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let (cold, warm) = (tmp.path().join("cold"), tmp.path().join("warm"));
    build(&kb, &cache, &cold, &[]);
    let file = store(&cache, "highlight.bin");
    assert!(!file.starts_with(kb.path()), "the cache lives outside the project");
    let memo = store(&cache, "search.bin");
    let memo_written = std::fs::metadata(&memo).unwrap().modified().unwrap();
    let scans = store(&cache, "scan.bin");
    let scans_written = std::fs::metadata(&scans).unwrap().modified().unwrap();
    let stored = std::fs::read(&file).unwrap();
    assert!(String::from_utf8_lossy(&stored).contains("Get-ExchangeServer"), "PowerShell blocks are stored");
    let written = std::fs::metadata(&file).unwrap().modified().unwrap();
    build(&kb, &cache, &warm, &[]);
    assert_same_site(&cold, &warm);
    // The store holds what this build used, and nothing more: a build that found every block in
    // it leaves the file alone.
    assert_eq!(std::fs::read(&file).unwrap(), stored);
    assert_eq!(std::fs::metadata(&file).unwrap().modified().unwrap(), written, "not rewritten");
    assert_eq!(std::fs::metadata(&memo).unwrap().modified().unwrap(), memo_written, "not rewritten");
    assert_eq!(std::fs::metadata(&scans).unwrap().modified().unwrap(), scans_written, "not rewritten");
}

#[test]
fn the_cache_is_read_but_a_tampered_entry_never_adds_markup() {
    let kb = Kb::new();
    kb.write(
        "content/code.md",
        "---\ntitle: Code\n---\n\n```powershell\nGet-Service -Name MSExchangeIS | Format-List\n```\n",
    );
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let cold = tmp.path().join("cold");
    build(&kb, &cache, &cold, &[]);
    let page = std::fs::read_to_string(cold.join("articles/code.html")).unwrap();
    assert!(page.contains("<span class=\"hl-nb\">Get-Service</span>"), "{page}");
    let file = store(&cache, "highlight.bin");
    let stored = std::fs::read(&file).unwrap();

    // Another kind, same text and length: a valid entry, and the next build uses it.
    let recoloured = replace(&stored, b"<span class=\"hl-nb\">Get-Service", b"<span class=\"hl-nt\">Get-Service");
    std::fs::write(&file, &recoloured).unwrap();
    let warm = tmp.path().join("warm");
    build(&kb, &cache, &warm, &[]);
    let page = std::fs::read_to_string(warm.join("articles/code.html")).unwrap();
    assert!(page.contains("<span class=\"hl-nt\">Get-Service</span>"), "the stored entry was used: {page}");

    // Markup or text that is not the code's (each the same length, so the file still
    // parses): the entry is dropped and the block highlighted afresh.
    for to in [
        &b"<img src=x onerror=>Get-Service"[..],
        b"<span class=\"hl-nb\">Set-Service",
        b"<span class=\"hl-zz\">Get-Service",
        b"<span class=\"hl-nb\">Get-Servic&",
    ] {
        let from = &b"<span class=\"hl-nb\">Get-Service"[..];
        assert_eq!(from.len(), to.len());
        std::fs::write(&file, replace(&stored, from, to)).unwrap();
        let again = tmp.path().join("again");
        build(&kb, &cache, &again, &[]);
        assert_same_site(&cold, &again);
        // The dropped entry is not written back: the store is whole again.
        assert_eq!(
            std::fs::read(&file).unwrap(),
            stored,
            "the store is rewritten without {}",
            String::from_utf8_lossy(to)
        );
    }

    // Damaged files: cut short, or not a store at all.
    for damaged in [stored[..stored.len() / 2].to_vec(), b"\xff\xfe garbage".to_vec(), Vec::new()] {
        std::fs::write(&file, damaged).unwrap();
        let again = tmp.path().join("again");
        build(&kb, &cache, &again, &[]);
        assert_same_site(&cold, &again);
    }
}

/// Every script of the search index (its terms and its result documents), concatenated.
fn search_data(dir: &Path) -> String {
    site(&dir.join("assets/search")).iter().map(|(_, bytes)| String::from_utf8_lossy(bytes).into_owned()).collect()
}

#[test]
fn an_edited_article_is_indexed_afresh_and_the_search_memo_is_checked_text() {
    let kb = Kb::new();
    let article =
        |word: &str| format!("---\ntitle: Notes\n---\n\nThe {word} survey.\n\n## Later\n\nMore about quokkas.\n");
    kb.write("content/notes.md", article("wombat"));
    kb.write("content/other.md", "---\ntitle: Other\n---\n\nNothing about marsupials here.\n");
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    build(&kb, &cache, &tmp.path().join("first"), &[]);

    // An edit: the warm build indexes the new word, exactly as a cold build of the new text.
    kb.write("content/notes.md", article("platypus"));
    let (warm, cold) = (tmp.path().join("warm"), tmp.path().join("cold"));
    build(&kb, &cache, &warm, &[]);
    build(&kb, &cache, &cold, &["--no-cache"]);
    assert_same_site(&cold, &warm);
    let data = search_data(&warm);
    // Terms are stems ("platypu"); the result's teaser has the word.
    assert!(data.contains("\"platypu\"") && data.contains("The platypus survey"), "{data}");
    assert!(!data.contains("wombat"), "{data}");

    // The memo is used: an entry changed in place (same length) shows in the next index.
    let memo = store(&cache, "search.bin");
    let stored = std::fs::read(&memo).unwrap();
    std::fs::write(&memo, replace(&stored, b"marsupials", b"kangaroos!")).unwrap();
    let again = tmp.path().join("again");
    build(&kb, &cache, &again, &[]);
    assert!(search_data(&again).contains("kangaroos"), "the stored words were used");

    // What it holds is text: markup in a teaser reaches the index as a JSON string that
    // cannot close a script, never as markup.
    std::fs::write(&memo, replace(&stored, b"Nothing about marsupials", b"</script><img src=x>!!!!")).unwrap();
    build(&kb, &cache, &again, &[]);
    let data = search_data(&again);
    assert!(data.contains("\\u003c/script>\\u003cimg src=x>"), "{data}");
    assert!(!data.contains("</script>") && !data.contains("<img"), "{data}");

    // Damaged or foreign files are ignored whole, and the index is the cold one.
    for damaged in [stored[..stored.len() / 2].to_vec(), b"\xff\xfe garbage".to_vec(), Vec::new()] {
        std::fs::write(&memo, damaged).unwrap();
        build(&kb, &cache, &again, &[]);
        assert_same_site(&cold, &again);
    }
}

/// A build that may fail: its exit status and what it printed.
fn try_build(kb: &Kb, cache: &Path, out: &Path) -> (bool, String) {
    let out = Command::new(BIN)
        .arg("--root")
        .arg(kb.path())
        .args(["build", "--out"])
        .arg(out)
        .env("PATHBOOK_CACHE_DIR", cache)
        .output()
        .expect("run pathbook");
    (out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn an_edited_article_is_rescanned_and_a_stored_scan_is_used_only_if_it_fits() {
    let kb = Kb::new();
    let setup = |heading: &str| format!("---\ntitle: AA\n---\n\n## {heading}\n\nSee [bb](bb.md).\n");
    kb.write("content/aa.md", setup("Setup steps"));
    kb.write("content/bb.md", "---\ntitle: BB\n---\n\nBack to [the steps](aa.md#setup-steps).\n");
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let cold = tmp.path().join("cold");
    build(&kb, &cache, &cold, &[]);
    let file = store(&cache, "scan.bin");
    let stored = std::fs::read(&file).unwrap();
    // The heading's text, then its id, each after its length.
    let entry = b"Setup steps\x0b\0\0\0setup-steps";

    // The stored scan is what the build checks links against: an id changed in place (same
    // length) makes the link into it dangle.
    std::fs::write(&file, replace(&stored, entry, b"Setup steps\x0b\0\0\0setup-stepz")).unwrap();
    let again = tmp.path().join("again");
    let (ok, printed) = try_build(&kb, &cache, &again);
    assert!(!ok && printed.contains("no heading `#setup-steps`"), "the stored scan was used: {printed}");

    // A link's place moved past the end of its text: that entry does not fit its text and
    // is scanned afresh, so the (now dangling) link is reported where it really is.
    let tampered = replace(&stored, entry, b"Setup steps\x0b\0\0\0setup-stepz");
    let link = b"aa.md#setup-steps";
    let at = tampered.windows(link.len()).position(|w| w == link).unwrap() + link.len();
    let mut moved = tampered.clone();
    moved[at..at + 8].copy_from_slice(&9_000_000u64.to_le_bytes());
    std::fs::write(&file, &moved).unwrap();
    let (ok, printed) = try_build(&kb, &cache, &again);
    assert!(!ok && printed.contains("--> content/bb.md:5:"), "{printed}");
    assert!(!printed.contains("panicked"), "{printed}");

    // A link that is not in the text where the entry says: scanned afresh, so the link the
    // text really has (which resolves) is the one checked.
    std::fs::write(&file, replace(&stored, b"aa.md#setup-steps", b"aa.md#setup-stepz")).unwrap();
    build(&kb, &cache, &again, &[]);
    assert_same_site(&cold, &again);

    // An id no heading could have (it would leave an attribute): the entry does not fit the
    // text, the article is scanned afresh and the site is the cold one.
    std::fs::write(&file, replace(&stored, entry, b"Setup steps\x0b\0\0\0set\"><step")).unwrap();
    build(&kb, &cache, &again, &[]);
    assert_same_site(&cold, &again);

    // Damaged files are ignored from the damage on.
    for damaged in [stored[..stored.len() / 2].to_vec(), b"\xff\xfe garbage".to_vec(), Vec::new()] {
        std::fs::write(&file, damaged).unwrap();
        build(&kb, &cache, &again, &[]);
        assert_same_site(&cold, &again);
    }

    // An edit is scanned afresh: the renamed heading leaves the link dangling, as a cold
    // build says.
    kb.write("content/aa.md", setup("Install steps"));
    let (ok, printed) = try_build(&kb, &cache, &again);
    assert!(!ok && printed.contains("no heading `#setup-steps`"), "{printed}");
    kb.write("content/aa.md", setup("Setup steps"));
    build(&kb, &cache, &again, &[]);
    assert_same_site(&cold, &again);
}

#[test]
fn no_cache_neither_reads_nor_writes() {
    let kb = Kb::new();
    kb.write("content/code.md", "---\ntitle: Code\n---\n\n```xml\n<a b=\"c\"/>\n```\n");
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    build(&kb, &cache, &tmp.path().join("site"), &["--no-cache"]);
    assert!(!cache.exists(), "nothing written");
}

fn replace(haystack: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let at = haystack.windows(from.len()).position(|w| w == from).expect("the entry is in the store");
    [&haystack[..at], to, &haystack[at + from.len()..]].concat()
}

/// Sets a file's or a folder's modification time `days` ago.
fn age(path: &Path, days: u64) {
    let then = std::time::SystemTime::now() - std::time::Duration::from_secs(days * 24 * 3600);
    std::fs::File::open(path).unwrap().set_modified(then).unwrap();
}

/// A folder in `base` laid out like a project's cache: `files` of `(name, content)`, all of
/// them and the folder `days` old.
fn cache_like(base: &Path, name: &str, files: &[(&str, &[u8])], days: u64) -> PathBuf {
    let dir = base.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    for (f, bytes) in files {
        std::fs::write(dir.join(f), bytes).unwrap();
        age(&dir.join(f), days);
    }
    age(&dir, days);
    dir
}

#[test]
fn a_build_removes_cache_folders_unused_for_a_month_and_nothing_else() {
    let kb = Kb::shipped();
    let base = tempfile::tempdir().unwrap();
    let base = base.path();
    let ours: &[(&str, &[u8])] =
        &[("highlight.bin", b"pathbook highlight 1\n"), ("search.bin", b"pathbook search 1\n"), (".tmpAb12Cd", b"")];
    let gone = cache_like(base, "00000000000000aa", ours, 40);
    let recent = cache_like(base, "00000000000000bb", ours, 3);
    let with_notes =
        cache_like(base, "00000000000000cc", &[("search.bin", b"pathbook search 1\n"), ("notes.txt", b"mine")], 40);
    let not_ours = cache_like(base, "00000000000000dd", &[("scan.bin", b"someone else's scan")], 40);
    let named_otherwise = cache_like(base, "not-a-cache", ours, 40);
    let elsewhere = tempfile::tempdir().unwrap();
    let target = cache_like(elsewhere.path(), "00000000000000ee", ours, 40);
    std::os::unix::fs::symlink(&target, base.join("00000000000000ee")).unwrap();
    let out = kb.path().join("site");
    build(&kb, base, &out, &[]);

    assert!(!gone.exists(), "a month unused, only cache files: removed");
    for kept in [&recent, &with_notes, &not_ours, &named_otherwise, &target] {
        assert!(kept.is_dir(), "{} kept", kept.display());
    }
    assert_eq!(std::fs::read(with_notes.join("notes.txt")).unwrap(), b"mine");
    assert!(base.join("00000000000000ee").symlink_metadata().unwrap().file_type().is_symlink());
    assert!(target.join("highlight.bin").is_file(), "a link is not followed");
    // The project's own folder is there, just used.
    let own = pathbook::cache::dir_for(kb.path()).map(|d| base.join(d.file_name().unwrap())).unwrap();
    assert!(own.join("highlight.bin").is_file());

    // A build that computes nothing new rewrites no cache file, yet marks its folder used.
    age(&own, 40);
    build(&kb, base, &out, &[]);
    let modified = std::fs::metadata(&own).unwrap().modified().unwrap();
    assert!(modified.elapsed().unwrap() < std::time::Duration::from_secs(24 * 3600), "touched");
    // `--no-cache` neither reads, writes nor removes anything.
    let stale = cache_like(base, "00000000000000ff", ours, 40);
    build(&kb, base, &out, &["--no-cache"]);
    assert!(stale.is_dir());
}
