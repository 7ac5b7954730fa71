import {
  AlignmentType,
  BorderStyle,
  Document,
  DocumentGridType,
  Footer,
  LineRuleType,
  Packer,
  PageNumber,
  Paragraph,
  Table,
  TableCell,
  TableLayoutType,
  TableRow,
  TextRun,
  VerticalAlignTable,
  WidthType,
} from 'docx';
import { chineseDate } from '../../graphql/messages';

/**
 * 党政机关公文格式 (GB/T 9704-2012) as a .docx, written with the `docx` library. The figures of the
 * standard, in the units Word stores:
 * - A4 (210 × 297 mm); margins 37 mm top (天头), 35 mm bottom, 28 mm left (订口), 26 mm right, so the
 *   text block (版心) is 156 × 225 mm;
 * - 22 lines of 28 characters of 3号 (16 pt): the section's document grid pitches lines at 225 mm / 22
 *   and characters at 156 mm / 28 (`w:docGrid` linesAndChars);
 * - title 2号 方正小标宋简体; body 3号 仿宋_GB2312; level-1 headings 黑体, level-2 楷体_GB2312, level-3
 *   仿宋_GB2312 bold; page numbers 4号 半角 宋体 Arabic numerals with a dash each side (— 1 —), 7 mm below
 *   the text block, odd pages on the right and even pages on the left, each one character in;
 * - 发文机关标志 in red 方正小标宋简体, 35 mm below the top of the text block; 发文字号 two lines below it;
 *   the red rule (版心宽) 4 mm below the 发文字号; the title two lines below the rule.
 * Fonts are named, not embedded: the reader's machine has them.
 */

/** Twips (1/20 pt) in a millimetre. */
const TWIPS_PER_MM = 1440 / 25.4;
export const mm = (value: number) => Math.round(value * TWIPS_PER_MM);

export const PAGE = { width: mm(210), height: mm(297) };
export const MARGIN = { top: mm(37), bottom: mm(35), left: mm(28), right: mm(26) };
export const TEXT_WIDTH = PAGE.width - MARGIN.left - MARGIN.right;
const TEXT_HEIGHT = PAGE.height - MARGIN.top - MARGIN.bottom;
export const LINES_PER_PAGE = 22;
export const CHARS_PER_LINE = 28;
/** Line pitch in twips: 22 lines fill the text block (rounded down, so the 22nd still fits). */
export const LINE_PITCH = Math.floor(TEXT_HEIGHT / LINES_PER_PAGE);
/** Half-points (Word's w:sz). */
export const SIZE = { title: 44, body: 32, pageNumber: 28 } as const;
/**
 * Character pitch over the body font's own width, in 1/4096 pt (Word's w:charSpace): 28 characters of
 * 3号 fill the text block's width.
 */
export const CHAR_SPACE = Math.round(((TEXT_WIDTH / CHARS_PER_LINE - (SIZE.body / 2) * 20) / 20) * 4096);

export const FONT = {
  title: '方正小标宋简体',
  body: '仿宋_GB2312',
  heading1: '黑体',
  heading2: '楷体_GB2312',
  pageNumber: '宋体',
} as const;
export const RED = 'FF0000';

/** A run in one font for every script (the East Asian slot is the one Chinese text uses). */
function run(text: string, font: string, size: number, options: { bold?: boolean; color?: string } = {}): TextRun {
  return new TextRun({
    text,
    font: { ascii: font, eastAsia: font, hAnsi: font, cs: font },
    size,
    bold: options.bold,
    color: options.color,
  });
}

/** A block of the body. */
export type Block =
  | { kind: 'p'; text: string; noIndent?: boolean }
  | { kind: 'h1' | 'h2' | 'h3'; text: string; after?: string }
  | { kind: 'table'; header: string[]; rows: (string | number)[][]; widths?: number[]; size?: number }
  | { kind: 'blank' };

export interface OfficialDocument {
  /** 发文机关标志: the issuer's name with 文件 (or a bulletin's name, 简报). */
  mark: string;
  /** 发文字号 (〔2013〕5号), or a bulletin's issue (第3期); null leaves it out. */
  number: string | null;
  /** For a bulletin: the line under the mark (编印单位 left, date right) instead of a centred 发文字号. */
  bulletinLine?: { editor: string; day: string };
  title: string;
  /** 主送机关 (with its closing colon added here); null for none. */
  addressee: string | null;
  body: Block[];
  /** 附件说明: names of the attachments listed after the body. */
  attachments?: string[];
  /** 发文机关署名. */
  signature: string;
  /** 成文日期 (YYYY-MM-DD), written in Chinese numerals. */
  day: string;
  /** 版记: the distribution line as printed (抄送：…。 for a 文件, 报：…。 for a 简报) and 印发机关/印发日期. */
  distribution?: string | null;
  printed?: { by: string; day: string } | null;
}

const bodyParagraph = (text: string, options: { noIndent?: boolean } = {}) =>
  new Paragraph({
    children: [run(text, FONT.body, SIZE.body)],
    alignment: AlignmentType.JUSTIFIED,
    indent: options.noIndent ? undefined : { firstLineChars: 200 },
  });

function heading(block: { kind: 'h1' | 'h2' | 'h3'; text: string; after?: string }): Paragraph {
  const font = block.kind === 'h1' ? FONT.heading1 : block.kind === 'h2' ? FONT.heading2 : FONT.body;
  return new Paragraph({
    children: [
      run(block.text, font, SIZE.body, { bold: block.kind === 'h3' }),
      ...(block.after ? [run(block.after, FONT.body, SIZE.body)] : []),
    ],
    indent: { firstLineChars: 200 },
  });
}

/** A table in 4号 仿宋 (a wide one in a smaller size), its header row in 黑体 and repeated on each page. */
function table(block: { header: string[]; rows: (string | number)[][]; widths?: number[]; size?: number }): Table {
  const widths = block.widths ?? block.header.map(() => 1);
  const sum = widths.reduce((a, b) => a + b, 0);
  const cell = (text: string | number, header: boolean, i: number) =>
    new TableCell({
      width: { size: Math.round((TEXT_WIDTH * widths[i]) / sum), type: WidthType.DXA },
      verticalAlign: VerticalAlignTable.CENTER,
      children: [
        new Paragraph({
          alignment: AlignmentType.CENTER,
          children: [run(String(text), header ? FONT.heading1 : FONT.body, block.size ?? 28)],
        }),
      ],
    });
  return new Table({
    width: { size: TEXT_WIDTH, type: WidthType.DXA },
    layout: TableLayoutType.FIXED,
    columnWidths: widths.map((w) => Math.round((TEXT_WIDTH * w) / sum)),
    rows: [
      new TableRow({ tableHeader: true, children: block.header.map((h, i) => cell(h, true, i)) }),
      ...block.rows.map((r) => new TableRow({ children: r.map((c, i) => cell(c, false, i)) })),
    ],
  });
}

/** The 发文机关标志's size: 小初 (36 pt) unless the name is too long for one line of the text block. */
function markSize(mark: string): number {
  const fit = Math.floor(((TEXT_WIDTH / 20) * 0.95) / [...mark].length);
  return Math.max(24, Math.min(36, fit)) * 2;
}

/** 页码: — 1 —, 4号 半角 宋体, one character in from the outer edge. */
function pageNumberFooter(side: 'odd' | 'even'): Footer {
  const font = { ascii: FONT.pageNumber, eastAsia: FONT.pageNumber, hAnsi: FONT.pageNumber, cs: FONT.pageNumber };
  return new Footer({
    children: [
      new Paragraph({
        alignment: side === 'odd' ? AlignmentType.RIGHT : AlignmentType.LEFT,
        indent: side === 'odd' ? { right: (SIZE.pageNumber / 2) * 20 } : { left: (SIZE.pageNumber / 2) * 20 },
        children: [new TextRun({ font, size: SIZE.pageNumber, children: ['— ', PageNumber.CURRENT, ' —'] })],
      }),
    ],
  });
}

/** The document as Word paragraphs and tables, in the standard's order. */
function content(doc: OfficialDocument): (Paragraph | Table)[] {
  const out: (Paragraph | Table)[] = [];
  // 版头: the mark 35 mm below the top of the text block, in red
  const markHalfPoints = markSize(doc.mark);
  out.push(
    new Paragraph({
      alignment: AlignmentType.CENTER,
      spacing: { before: mm(35), line: Math.ceil(markHalfPoints * 10 * 1.25), lineRule: LineRuleType.EXACT },
      children: [run(doc.mark, FONT.title, markHalfPoints, { color: RED })],
    }),
  );
  const rule = { bottom: { style: BorderStyle.SINGLE, color: RED, size: 12, space: 11 } };
  if (doc.bulletinLine) {
    if (doc.number) out.push(new Paragraph({ alignment: AlignmentType.CENTER, children: [run(doc.number, FONT.body, SIZE.body)] }));
    out.push(
      new Paragraph({
        border: rule,
        tabStops: [{ type: 'right', position: TEXT_WIDTH }],
        children: [
          run(doc.bulletinLine.editor, FONT.body, SIZE.body),
          run('\t', FONT.body, SIZE.body),
          run(chineseDate(doc.bulletinLine.day, true), FONT.body, SIZE.body),
        ],
      }),
    );
  } else {
    out.push(new Paragraph({ children: [] }));
    out.push(
      new Paragraph({
        alignment: AlignmentType.CENTER,
        border: rule,
        children: [run(doc.number ?? '', FONT.body, SIZE.body)],
      }),
    );
  }
  // 主体: the title two lines below the rule
  out.push(new Paragraph({ children: [] }));
  out.push(
    new Paragraph({
      alignment: AlignmentType.CENTER,
      spacing: { before: 0, after: 0 },
      children: [run(doc.title, FONT.title, SIZE.title)],
    }),
  );
  out.push(new Paragraph({ children: [] }));
  if (doc.addressee) out.push(bodyParagraph(`${doc.addressee}：`, { noIndent: true }));
  for (const block of doc.body) {
    if (block.kind === 'p') out.push(bodyParagraph(block.text, block));
    else if (block.kind === 'blank') out.push(new Paragraph({ children: [] }));
    else if (block.kind === 'table') out.push(table(block));
    else out.push(heading(block));
  }
  const attachments = doc.attachments ?? [];
  if (attachments.length) {
    out.push(new Paragraph({ children: [] }));
    attachments.forEach((name, i) =>
      out.push(
        new Paragraph({
          indent: { firstLineChars: i === 0 ? 200 : 500 },
          children: [run(`${i === 0 ? '附件：' : ''}${attachments.length > 1 ? `${i + 1}.` : ''}${name}`, FONT.body, SIZE.body)],
        }),
      ),
    );
  }
  // 署名 and 成文日期: the date four characters in from the right, the signature centred over it
  const date = chineseDate(doc.day, true);
  const signatureIndent = Math.max(0, 4 + ([...date].length - [...doc.signature].length) / 2);
  out.push(new Paragraph({ children: [] }));
  out.push(new Paragraph({ children: [] }));
  out.push(
    new Paragraph({
      alignment: AlignmentType.RIGHT,
      indent: { right: Math.round(signatureIndent * 320) },
      children: [run(doc.signature, FONT.body, SIZE.body)],
    }),
  );
  out.push(new Paragraph({ alignment: AlignmentType.RIGHT, indent: { right: 4 * 320 }, children: [run(date, FONT.body, SIZE.body)] }));
  // 版记: between rules, 抄送 and 印发机关/印发日期, 4号 仿宋
  if (doc.distribution || doc.printed) {
    out.push(new Paragraph({ children: [] }));
    const thin = { style: BorderStyle.SINGLE, color: '000000', size: 4, space: 1 };
    if (doc.distribution)
      out.push(
        new Paragraph({
          border: { top: { ...thin, size: 8 } },
          indent: { left: 320, right: 320 },
          children: [run(doc.distribution, FONT.body, 28)],
        }),
      );
    if (doc.printed)
      out.push(
        new Paragraph({
          border: { top: doc.distribution ? thin : { ...thin, size: 8 }, bottom: { ...thin, size: 8 } },
          tabStops: [{ type: 'right', position: TEXT_WIDTH - 320 }],
          indent: { left: 320 },
          children: [
            run(doc.printed.by, FONT.body, 28),
            run('\t', FONT.body, 28),
            // 印发日期 in Arabic numerals (the standard's own example: 2012年7月1日印发)
            run(`${chineseDate(doc.printed.day)}印发`, FONT.body, 28),
          ],
        }),
      );
  }
  return out;
}

/** The .docx bytes of an official document laid out per GB/T 9704-2012. */
export async function renderOfficialDocument(doc: OfficialDocument): Promise<Buffer> {
  const document = new Document({
    creator: doc.signature,
    title: doc.title,
    evenAndOddHeaderAndFooters: true,
    styles: {
      default: {
        document: {
          run: { font: { ascii: FONT.body, eastAsia: FONT.body, hAnsi: FONT.body, cs: FONT.body }, size: SIZE.body },
          paragraph: { spacing: { line: LINE_PITCH, lineRule: LineRuleType.EXACT, before: 0, after: 0 } },
        },
      },
    },
    sections: [
      {
        properties: {
          page: {
            size: { width: PAGE.width, height: PAGE.height },
            // the page number sits 7 mm below the text block: the footer's distance from the page's edge
            margin: { ...MARGIN, header: mm(15), footer: MARGIN.bottom - mm(7) - mm(5), gutter: 0 },
          },
          grid: { type: DocumentGridType.LINES_AND_CHARS, linePitch: LINE_PITCH, charSpace: CHAR_SPACE },
        },
        footers: { default: pageNumberFooter('odd'), even: pageNumberFooter('even') },
        children: content(doc),
      },
    ],
  });
  return Packer.toBuffer(document);
}
