"""Extracts selected members of a remote zip (jar, wheel) with HTTP range requests, so a few headers
out of a 200 MB wheel cost a few hundred kilobytes. zipfile checks every member's CRC-32."""
import io
import os
import sys
import urllib.request
import zipfile


class HttpRangeFile(io.RawIOBase):
    def __init__(self, url: str):
        self.url = url
        self.pos = 0
        head = urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=120)
        self.size = int(head.headers["Content-Length"])

    def seekable(self):
        return True

    def readable(self):
        return True

    def tell(self):
        return self.pos

    def seek(self, offset, whence=0):
        self.pos = offset if whence == 0 else self.pos + offset if whence == 1 else self.size + offset
        return self.pos

    def readinto(self, buffer):
        if self.pos >= self.size or len(buffer) == 0:
            return 0
        end = min(self.pos + len(buffer), self.size) - 1
        request = urllib.request.Request(self.url, headers={"Range": f"bytes={self.pos}-{end}"})
        data = urllib.request.urlopen(request, timeout=120).read()
        buffer[: len(data)] = data
        self.pos += len(data)
        return len(data)


def main() -> None:
    url, prefix, strip, dest = sys.argv[1:5]
    archive = zipfile.ZipFile(io.BufferedReader(HttpRangeFile(url), buffer_size=1 << 20))
    count = 0
    for info in archive.infolist():
        if info.is_dir() or not info.filename.startswith(prefix):
            continue
        target = os.path.join(dest, info.filename[len(strip):])
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with archive.open(info) as source, open(target + ".part", "wb") as out:
            out.write(source.read())
        os.replace(target + ".part", target)
        count += 1
    if count == 0:
        sys.exit(f"no member of {url} starts with {prefix}")
    print(f"[tfjs-native] {count} files from {url.rsplit('/', 1)[-1]}")


if __name__ == "__main__":
    main()
