"""Decode a text file without being told its encoding, and refuse rather than guess.

Order: a BOM (UTF-8, UTF-16, UTF-32) decides; a file with NUL bytes is UTF-16 without BOM when the NULs
sit in one byte position only (ASCII in UTF-16LE/BE), else it is binary and refused (also known binary
signatures: zip/xlsx, OLE/xls, PDF, images, SQLite); valid UTF-8 is UTF-8.  Otherwise the Chinese legacy
encodings are weighed: GB18030 (GBK/GB2312) and Big5 byte ranges overlap so much that the same bytes
often decode without error both ways, into different characters.  When both decode, each reading is
scored by the share of its characters that belong to that encoding's common set (GB2312 for simplified
text, Big5 level 1 for traditional text) minus the "mess" charset-normalizer measures; a clear winner
is used (Big5 with a warning), a close call is an error asking for UTF-8.  Anything else goes to
charset-normalizer, whose guess is used only with a warning.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from iekg.loaders.limits import FileRejected

SAMPLE = 64 * 1024
FIX_SAVE_UTF8 = "用 Excel 另存为「CSV UTF-8 (逗号分隔)」，或用记事本另存为 UTF-8 编码后重新导入"
_BINARY = (
    (b"PK\x03\x04", "zip 压缩包 (可能是 .xlsx 工作簿)", "如果是 Excel 工作簿，请把扩展名改为 .xlsx"),
    (b"\xd0\xcf\x11\xe0", "旧版 Office 文件 (.xls/.doc)", "在 Excel 中打开并另存为 .xlsx 或 CSV UTF-8"),
    (b"%PDF", "PDF 文档", "请从原始表格导出 CSV 或 .xlsx"),
    (b"\x89PNG", "PNG 图片", "请导入表格文件"),
    (b"\xff\xd8\xff", "JPEG 图片", "请导入表格文件"),
    (b"\x1f\x8b", "gzip 压缩文件", "先解压再导入"),
    (b"SQLite format 3\x00", "SQLite 数据库", "请导出为 CSV 或 .xlsx"),
)
# The margin by which one legacy Chinese reading must beat the other, and the score the winner needs.
MARGIN = 0.2
MIN_SCORE = 0.75


@dataclass
class Decoded:
    text: str
    encoding: str
    warning: str | None = None  # said to the user as a report warning


def decode(data: bytes) -> Decoded:
    """The text of ``data``; raises :class:`FileRejected` for binary data or an encoding we will not guess."""
    if data.startswith(b"\xef\xbb\xbf"):
        return Decoded(_strict(data[3:], "utf-8"), "utf-8-sig")
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return Decoded(_strict(data, "utf-32"), "utf-32")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return Decoded(_strict(data, "utf-16"), "utf-16")
    for magic, what, fix in _BINARY:
        if data.startswith(magic):
            raise FileRejected("binary", f"这不是文本 CSV 文件，而是{what}", fix)
    head = data[:SAMPLE]
    if b"\x00" in head:
        return _nul_text(data, head)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return _legacy(data)
    _not_binary(text)
    return Decoded(text, "utf-8")


def _strict(data: bytes, encoding: str) -> str:
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise FileRejected("encoding", f"文件以 {encoding} 标记开头，但第 {exc.start} 字节处的内容不是 {encoding}",
                           FIX_SAVE_UTF8) from None
    _not_binary(text)
    return text


def _not_binary(text: str) -> None:
    sample = text[:4096]
    # (tab, line ends, vertical tab, form feed and ESC can occur in exported text: the cell check names them)
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n\v\f\x1b")
    if controls > max(2, len(sample) // 100):
        raise FileRejected("binary", "这不是文本文件 (含大量控制字符)，可能是改了扩展名的二进制文件",
                           "请导入 Excel 保存的 .xlsx 或 CSV 文件")


def _nul_text(data: bytes, head: bytes) -> Decoded:
    even = head[0::2].count(0)
    odd = head[1::2].count(0)
    pairs = max(len(head) // 2, 1)
    for encoding, nuls, other in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if nuls >= pairs * 0.1 and other * 4 < nuls and len(data) % 2 == 0:
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                break
            _not_binary(text)
            return Decoded(text, encoding, f"文件是没有 BOM 标记的 UTF-16 ({encoding.upper()}) 文本，已按此读取；"
                                           "建议另存为 UTF-8")
    raise FileRejected("binary", "这不是文本 CSV 文件 (含 NUL 字节)，可能是改了扩展名的二进制文件",
                       "请导入 Excel 保存的 .xlsx 或 CSV 文件")


def _share(text: str, fits: Callable[[str], bool]) -> float:
    """Share of the first 4,000 non-ASCII characters of ``text`` that ``fits`` (1.0 when there are none)."""
    chars = [ch for ch in text if ord(ch) > 127][:4000]
    return sum(map(fits, chars)) / len(chars) if chars else 1.0


def _in_gb2312(ch: str) -> bool:
    try:
        return len(ch.encode("gb2312")) == 2
    except UnicodeEncodeError:
        return False


def _big5_common(ch: str) -> bool:
    try:
        code = int.from_bytes(ch.encode("big5"), "big")
    except UnicodeEncodeError:
        return False
    return 0xA140 <= code <= 0xC67E


def _score_gb(text: str) -> float:
    """Share of the non-ASCII characters that are in GB2312 (simplified Chinese text is almost all in it)."""
    return _share(text, _in_gb2312)


def _score_big5(text: str) -> float:
    """Share of the non-ASCII characters that are Big5 symbols or level-1 (common) characters."""
    return _share(text, _big5_common)


def _sample(data: bytes) -> bytes:
    """The first lines of ``data`` (cut at a line end, so that no character is cut in two)."""
    if len(data) <= SAMPLE:
        return data
    cut = data.rfind(b"\n", 0, SAMPLE)
    return data[:cut + 1] if cut > 0 else data[:SAMPLE]


def _mess(data: bytes) -> dict[str, float]:
    """charset-normalizer's chaos ("mess") of the GB18030 and Big5 readings (1.0 when it rejects one)."""
    from charset_normalizer import from_bytes

    out = {"gb18030": 1.0, "big5": 1.0}
    for m in from_bytes(_sample(data), cp_isolation=["gb18030", "big5"]):
        if m.encoding in out:
            out[m.encoding] = min(out[m.encoding], float(m.chaos))
    return out


def _try(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _legacy(data: bytes) -> Decoded:
    gb = _try(data, "gb18030")
    big5 = _try(data, "big5")
    big5_note = "文件按 Big5 (繁体中文) 编码读取；如文字有误，请另存为 UTF-8 后重新导入"
    if gb is not None and big5 is None:
        _not_binary(gb)
        return Decoded(gb, "gb18030")
    if big5 is not None and gb is None:
        _not_binary(big5)
        return Decoded(big5, "big5", big5_note)
    if gb is not None and big5 is not None:
        mess = _mess(data)
        sg = _score_gb(gb[:SAMPLE]) - mess["gb18030"]
        sb = _score_big5(big5[:SAMPLE]) - mess["big5"]
        if sg >= MIN_SCORE and sg - sb >= MARGIN:
            _not_binary(gb)
            return Decoded(gb, "gb18030")
        if sb >= MIN_SCORE and sb - sg >= MARGIN:
            _not_binary(big5)
            return Decoded(big5, "big5", big5_note)
        if sg >= MIN_SCORE and sg >= sb:  # a close call on a few characters: GB18030, said aloud
            _not_binary(gb)
            return Decoded(gb, "gb18030", f"文件编码无法完全确定：已按 GB18030 (简体) 读作「{_preview(gb)}」；"
                                          f"如应为 Big5 (繁体)「{_preview(big5)}」，请另存为 UTF-8 后重新导入")
        raise FileRejected(
            "ambiguous_encoding",
            f"无法确定文件编码：按 GB18030 (简体) 和 Big5 (繁体) 都能读出文字 (可信度 {max(sg, 0):.2f} 对 "
            f"{max(sb, 0):.2f})，为免存入乱码未导入。GB18030 读作「{_preview(gb)}」，Big5 读作「{_preview(big5)}」",
            FIX_SAVE_UTF8)
    from charset_normalizer import from_bytes

    best = from_bytes(_sample(data)).best()
    if best is None or best.encoding is None or best.chaos > 0.2:
        raise FileRejected("encoding", "无法识别文件的字符编码 (不是 UTF-8、GB18030、Big5 或 UTF-16)", FIX_SAVE_UTF8)
    text = _try(data, best.encoding)
    if text is None:
        raise FileRejected("encoding", f"文件编码看似 {best.encoding}，但无法完整解码", FIX_SAVE_UTF8)
    _not_binary(text)
    return Decoded(text, best.encoding, f"文件编码不是 UTF-8 或 GB18030，按检测结果 {best.encoding} 读取；"
                                        "如文字有误，请另存为 UTF-8")


def _preview(text: str) -> str:
    chars = "".join(ch for ch in text if ord(ch) > 127)[:12]
    return chars or text[:12]
