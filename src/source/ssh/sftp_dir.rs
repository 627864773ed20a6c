//! The log directory over SFTP, for the follower.

use super::follow::{FileMeta, FileRead, LogDir};
use super::remote_path::RemoteDir;
use ssh2::Sftp;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

pub struct SftpDir<'a> {
    pub sftp: &'a Sftp,
    pub dir: &'a RemoteDir,
}

impl LogDir for SftpDir<'_> {
    fn list(&mut self) -> io::Result<Vec<FileMeta>> {
        let entries = self.sftp.readdir(Path::new(self.dir.sftp()))?;
        Ok(entries
            .into_iter()
            .filter(|(_, stat)| stat.is_file())
            .filter_map(|(path, stat)| {
                // Names that are not UTF-8 cannot be matched against the pattern; skip them.
                let name = path.file_name()?.to_str()?.to_owned();
                Some(FileMeta { name, size: stat.size.unwrap_or(0), mtime: stat.mtime.unwrap_or(0) })
            })
            .collect())
    }

    fn read(&mut self, name: &str, head_len: usize, offset: u64, max: usize) -> io::Result<FileRead> {
        // Opened per poll and closed on return: a handle kept open could stop a Windows
        // service from renaming its log when it rotates.
        let mut file = self.sftp.open(Path::new(&self.dir.sftp_file(name)))?;
        let stat = file.stat()?;
        let size = stat.size.unwrap_or(0);
        let mut head = Vec::new();
        if head_len > 0 {
            read_up_to(&mut file, &mut head, head_len.min(usize::try_from(size).unwrap_or(usize::MAX)))?;
        }
        let mut data = Vec::new();
        if max > 0 && offset < size {
            file.seek(SeekFrom::Start(offset))?;
            // What the file held at `stat`, plus room for what was written since.
            let expected = usize::try_from(size - offset).unwrap_or(usize::MAX).saturating_add(64 * 1024);
            read_up_to(&mut file, &mut data, max.min(expected))?;
        }
        Ok(FileRead { size, mtime: stat.mtime.unwrap_or(0), head, data })
    }
}

/// Bytes asked for per read call. libssh2 pipelines SFTP read requests up to the size of the
/// buffer it is given, so each call gets a large one (not the shrinking rest of `out`, which
/// measured 5x slower).
const CHUNK: usize = 1024 * 1024;

/// Reads until `max` bytes or the end of the file.
fn read_up_to(file: &mut impl Read, out: &mut Vec<u8>, max: usize) -> io::Result<()> {
    out.clear();
    let mut chunk = vec![0u8; CHUNK.min(max)];
    while out.len() < max {
        let want = chunk.len().min(max - out.len());
        match file.read(&mut chunk[..want]) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
