//! Folder downloads as zip archives, built in an unlinked temp file and then streamed. Entry
//! names are the item paths relative to the downloaded folder, cleaned so that no entry can
//! leave the archive: no leading `/`, no `.`/`..` or empty components, no backslashes or
//! control characters.

use std::io::{self, Seek, SeekFrom};

use zip::CompressionMethod;
use zip::write::SimpleFileOptions;

use crate::blobs::BlobStore;
use crate::db::items::{Item, Kind};

/// A safe zip entry name for a `/`-separated relative path.
pub(crate) fn entry_name(path: &str) -> String {
    path.split('/')
        .filter(|c| !c.is_empty())
        .map(|c| {
            let cleaned: String = c
                .chars()
                .map(|ch| {
                    if ch == '\\' || ch.is_control() {
                        '_'
                    } else {
                        ch
                    }
                })
                .collect();
            if cleaned == "." || cleaned == ".." {
                "_".to_owned()
            } else {
                cleaned
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Writes `entries` (paths relative to the folder, parents first) into a temp zip file and
/// returns it rewound, with its length.
pub(crate) fn build(
    blobs: &BlobStore,
    entries: &[(String, Item)],
) -> io::Result<(std::fs::File, u64)> {
    let file = blobs.anonymous()?;
    let mut zip = zip::ZipWriter::new(file);
    let base = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    for (path, item) in entries {
        let name = entry_name(path);
        if name.is_empty() {
            continue;
        }
        match item.kind {
            Kind::Folder => zip
                .add_directory(format!("{name}/"), base)
                .map_err(io::Error::other)?,
            Kind::File => {
                let options = base.large_file(item.size >= 0xFFFF_FFFF);
                zip.start_file(name, options).map_err(io::Error::other)?;
                let sha = item.sha256.as_deref().unwrap_or_default();
                let mut blob = std::fs::File::open(blobs.path(sha))?;
                io::copy(&mut blob, &mut zip)?;
            }
        }
    }
    let mut file = zip.finish().map_err(io::Error::other)?;
    let len = file.seek(SeekFrom::End(0))?;
    file.seek(SeekFrom::Start(0))?;
    Ok((file, len))
}

#[cfg(test)]
mod tests {
    use super::entry_name;

    #[test]
    fn entry_names_cannot_climb_out_of_the_archive() {
        assert_eq!(entry_name("/a/b.txt"), "a/b.txt");
        assert_eq!(entry_name("/../../etc/passwd"), "_/_/etc/passwd");
        assert_eq!(entry_name("//x/./y"), "x/_/y");
        assert_eq!(entry_name("/a\\..\\b"), "a_.._b");
        assert_eq!(entry_name("/tab\tname"), "tab_name");
    }
}
