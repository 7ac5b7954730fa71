import ExcelJS from 'exceljs';
import { FileFormat } from '../src/modules/file/file.entity';
import { ByteSource, familyOf, recognise } from '../src/modules/file/file.sniff';
import { zip } from './helpers/crafted-files';
import { compoundFile, gif, jpeg, ooxml, pdf, plainZip, png, webp } from './helpers/evidence-files';

/** A Buffer as the sniffer sees a stored file, counting the bytes it reads. */
function source(buf: Buffer): ByteSource & { bytesRead: number } {
  return {
    size: buf.length,
    bytesRead: 0,
    async read(offset, length) {
      this.bytesRead += length;
      return buf.subarray(offset, offset + length);
    },
  };
}
const formatOf = (buf: Buffer) => recognise(buf.subarray(0, 16), source(buf));

/** The format detection alone (the upload path around it is tests/files.e2e.test.ts). */
describe('file format by content', () => {
  it('recognises each accepted format by its bytes', async () => {
    const xlsx = new ExcelJS.Workbook();
    xlsx.addWorksheet('台帐').addRow(['日期', '事项']);
    const cases: [Buffer, FileFormat][] = [
      [jpeg(), FileFormat.JPEG],
      [png(), FileFormat.PNG],
      [gif(), FileFormat.GIF],
      [webp(), FileFormat.WEBP],
      [pdf(), FileFormat.PDF],
      [ooxml('docx'), FileFormat.DOCX],
      [ooxml('xlsx'), FileFormat.XLSX],
      [ooxml('pptx'), FileFormat.PPTX],
      [Buffer.from(await xlsx.xlsx.writeBuffer()), FileFormat.XLSX],
      [compoundFile(['WordDocument', '1Table']), FileFormat.DOC],
      [compoundFile(['Workbook']), FileFormat.XLS],
      [compoundFile(['Book']), FileFormat.XLS],
    ];
    for (const [bytes, format] of cases) expect(await formatOf(bytes)).toBe(format);
  });

  it('follows the OLE DIFAT chain when the directory lies past the FAT sectors the header lists', async () => {
    // directory at sector 20,000: its FAT entry is in FAT sector 156, past the header's 109 slots
    const doc = compoundFile(['WordDocument'], { directoryAt: 20_000 });
    const file = source(doc);
    expect(await recognise(doc.subarray(0, 16), file)).toBe(FileFormat.DOC);
    expect(file.bytesRead).toBeLessThan(16 * 1024); // header, two DIFAT/FAT hops and the directory sector
  });

  it('refuses everything else, whatever it is named', async () => {
    const refused: Buffer[] = [
      Buffer.concat([Buffer.from('MZ'), Buffer.alloc(200)]), // a Windows program
      Buffer.from('<html><script>alert(1)</script></html>'),
      Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
      Buffer.from('日期,事项\n2024-01-01,学习\n'), // CSV
      plainZip(),
      ooxml('docm'), // macro-enabled
      ooxml('docx', { withoutMain: true }), // names a main part it does not hold
      zip([{ name: '[Content_Types].xml', data: 'not xml at all' }]),
      compoundFile(['PowerPoint Document']), // legacy .ppt is not accepted
      compoundFile(['WordDocument', 'Workbook']), // both: neither
      compoundFile([]),
      Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0, 0]), // an OLE signature and nothing behind it
      ooxml('docx').subarray(0, 200), // a zip cut short: no central directory
      Buffer.alloc(0),
    ];
    for (const bytes of refused) expect(await formatOf(bytes)).toBeUndefined();
  });

  it('reads a corrupted OLE chain without looping', async () => {
    const doc = compoundFile(['WordDocument']);
    expect(await formatOf(doc)).toBe(FileFormat.DOC);
    // the directory is sector 1, the FAT sector 2 (at byte 3 × 512): the directory's entry now points back at itself
    doc.writeUInt32LE(1, 3 * 512 + 4 * 1);
    expect(familyOf(doc.subarray(0, 16))).toBe('OLE');
    expect(await formatOf(doc)).toBeUndefined();
  });
});
