// Generates the sample PDF documents in knowledge/ (run: npx tsx scripts/make-pdfs.ts).
// Output is deterministic (fixed CreationDate, standard Helvetica, no embedded fonts), so re-running
// it does not change the committed files. Source markup: "# " title, "## " heading, "- " bullet,
// "| a | b |" table row (first row of a block is the header), "@page" page break, else a paragraph.
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import PDFDocument from 'pdfkit';

const KNOWLEDGE = join(import.meta.dirname, '..', 'knowledge');
const CREATED = new Date('2024-03-01T00:00:00Z');

const PAYOUT_GUIDE = `
# Payout and Settlement Guide
Harbor & Pine Home, Bazaarly seller account 55821. Version 3.2, effective March 1, 2024. Owner: Priya Natarajan, Finance (finance@harborpine.example).
## 1. Who this guide is for
This guide explains when and how Bazaarly pays Harbor & Pine Home for its sales, what can hold money back, and how finance reconciles each payout. It applies to the home & kitchen store only. The apparel account (seller ID 77403) is paid twice a week and has a 10% rolling reserve; see the apparel fees and payouts page. Foreign-currency wallet withdrawals (CAD, GBP, EUR, AUD) are described in the Chinese-language document on settlement and withdrawals.
## 2. Settlement period and payout day
- Settlement period: Monday 00:00 to Sunday 23:59 UTC.
- Bazaarly initiates the payout every Tuesday for all funds that became available during the previous settlement period.
- The payout is sent by ACH to our Chase business account ending 4471 and arrives in 1 to 3 business days, usually on Thursday.
- If Tuesday is a US bank holiday, the payout is initiated on Wednesday instead.
- Minimum payout: $25. A smaller balance is carried over to the next week.
## 3. When an order's money becomes available
- Delivery hold: funds become available 7 days after the carrier's delivered scan.
- Orders without a delivered scan are released 30 days after the ship date.
- Orders over $1,000 may get a 14-day high-value review hold.
Example timeline for order BZ-2024-418203:
| Event | Date |
| Order placed and shipped | Monday, April 1 |
| Delivered (carrier scan) | Thursday, April 4 |
| Funds available (delivery + 7 days) | Thursday, April 11 |
| Payout initiated (first Tuesday after) | Tuesday, April 16 |
| Money in the Chase account | April 17 to 19 |
In practice we are paid 9 to 16 days after delivery.
@page
## 4. Reserves and holds
The home & kitchen account currently has no rolling reserve (0%). Bazaarly can still hold money in these cases:
| Hold | Trigger | Amount | Duration |
| Account Health Reserve | Order defect rate above 1%, or late shipment rate above 4% for 30 days | 5% of sales | 90 days, rolling |
| Dispute hold | Open chargeback or Buyer Protection claim | Disputed amount | Until the case closes |
| Bank change hold | Bank account details changed | All payouts | 3 days |
| Policy review hold | Account review after 3 policy violations in 180 days | All payouts | Until the review ends |
The Account Health Reserve is released automatically once the metric has been back under the limit for 30 days and the 90 days have passed.
## 5. What is deducted from a payout
- Referral commission (12%, 8% above $200 per item) and the $0.30 per-order fee.
- Refunds issued to buyers, less the commission Bazaarly returns (minus the 20% refund administration fee, capped at $5 per item).
- Coupon redemption fees ($0.60), Flash Deal fees ($50; $150 during Mega Sale) and Bazaarly Boost ad fees (5%).
- Chargebacks and the $15 chargeback fee when a chargeback is lost.
- The Bazaarly Pro subscription ($39.99), deducted from the first payout of each month.
## 6. Negative balance
If deductions are larger than the available funds, the balance goes negative and is carried forward. If it is still negative after 14 days, Bazaarly charges the company card on file (Amex ending 1009). Finance receives an email; nobody else needs to act.
@page
## 7. Settlement reports and reconciliation
- Every payout has a payout id in the format PO-2024-xxxxxx.
- Finance downloads the settlement report (CSV) from Seller Hub > Payments > Settlement Reports every Wednesday.
- The payout is booked in QuickBooks by Friday with the payout id as the reference. Fee lines use the codes REFERRAL, ORDER_FIXED, REFUND_ADMIN, COUPON, DEAL, BOOST and CHARGEBACK.
- Differences over $50 between the report and the bank deposit are explained in the #finance channel.
## 8. When a payout is late or fails
- Check Seller Hub > Payments > Payout status: Initiated, Sent or Returned.
- Returned means the bank rejected the transfer (closed account or wrong routing number). Fix the bank details; Bazaarly retries after the 3-day bank change hold.
- If a Sent payout has not arrived 5 business days after it was initiated, finance opens a Bazaarly support case with the payout id and the ACH trace number.
- Only the Admin role (Dana Whitfield, Tom Albers) can change bank details.
## 9. Quick answers
- When is an order delivered today paid out? It becomes available 7 days after delivery, is paid on the next Tuesday and reaches the bank 1 to 3 business days later.
- Can we be paid daily? Not now. Bazaarly Daily Pay requires 12 months of history with an order defect rate under 0.5%; our next eligibility review is in September 2024.
- Why is this week's payout smaller? Usually an open dispute hold, a large refund, or the monthly Pro subscription.
- Where is the money from international orders? In the multi-currency Bazaarly Wallet, not in the Tuesday payout.
`;

const FIT_GUIDE = `
# Size and Fit Guide
Harbor & Pine Apparel, version 2024.1. For buyers and customer service agents. Measurements are body measurements in inches unless stated. Questions: apparel-support@harborpine.example.
## How to measure
- Chest or bust: around the fullest part, under the arms, keeping the tape level.
- Waist: around the natural waist, the narrowest part of the torso.
- Hip: around the fullest part of the hips with feet together.
- Inseam: from the crotch seam to the ankle bone, along the inside of the leg.
- Foot length: stand on paper, mark the heel and the longest toe, and measure in centimetres. Measure in the evening, when feet are largest.
## Women's tops (Everyday Tee HPA-TEE-101 women's fit, Merino Crew HPA-KNT-220)
| Size | US size | Bust | Waist | Hip |
| XS | 0-2 | 31-32 | 24-25 | 34-35 |
| S | 4-6 | 33-34 | 26-27 | 36-37 |
| M | 8-10 | 35-36 | 28-29 | 38-39 |
| L | 12-14 | 37.5-39 | 30.5-32 | 40.5-42 |
| XL | 16 | 40.5-42 | 33.5-35 | 43.5-45 |
| XXL | 18 | 43.5-45 | 36.5-38 | 46.5-48 |
## Men's tops and jackets (HPA-TEE-101 men's fit, HPA-KNT-220, HPA-JKT-410)
| Size | Chest | Waist | Neck |
| S | 35-37 | 29-31 | 14-14.5 |
| M | 38-40 | 32-34 | 15-15.5 |
| L | 41-43 | 35-37 | 16-16.5 |
| XL | 44-46 | 38-40 | 17-17.5 |
| XXL | 47-49 | 41-43 | 18-18.5 |
Our women's model is 5 ft 9 in and wears size S; our men's model is 6 ft 1 in and wears size M.
@page
## Slim Stretch Denim (HPA-DNM-305)
Sizes are waist by inseam, for example 32-30. Waists 28 to 38 in even sizes; inseams 30, 32 and 34. The fabric stretches about half an inch at the waist with wear.
| Label waist | Body waist | Hip | Leg opening |
| 28 | 28-28.5 | 35 | 12.5 |
| 30 | 30-30.5 | 37 | 13 |
| 32 | 32-32.5 | 39 | 13.5 |
| 34 | 34-34.5 | 41 | 14 |
| 36 | 36-36.5 | 43 | 14.5 |
| 38 | 38-38.5 | 45 | 15 |
## Shoes (HPA-BT-620 Chelsea Boot, HPA-SNK-510 Court Sneaker)
Shoes are labelled in US men's sizes, from 6 to 13, with half sizes up to 11. Women should take their US women's size minus 1.5. All shoes are standard width (D).
| US men | US women | UK | EU | Foot length (cm) |
| 6 | 7.5 | 5.5 | 39 | 24.1 |
| 7 | 8.5 | 6.5 | 40 | 24.8 |
| 8 | 9.5 | 7.5 | 41 | 25.7 |
| 9 | 10.5 | 8.5 | 42 | 26.5 |
| 10 | 11.5 | 9.5 | 43 | 27.3 |
| 11 | 12.5 | 10.5 | 44.5 | 28.2 |
| 12 | 13.5 | 11.5 | 46 | 29.0 |
| 13 | 14.5 | 12.5 | 47 | 29.8 |
@page
## Fit notes by style
| Style | SKU | Fit | Recommendation |
| Everyday Tee | HPA-TEE-101 | True to size; about 3% shorter after a hot wash | Usual size |
| Merino Crew Sweater | HPA-KNT-220 | Slim through the body | Size up if between sizes |
| Slim Stretch Denim | HPA-DNM-305 | Slim, stretches with wear | Size down if between sizes |
| Harbor Field Jacket | HPA-JKT-410 | Roomy, cut for layering, about one size large | Size down one size |
| Pine Ridge Chelsea Boot | HPA-BT-620 | Runs half a size small | Size up half a size |
| Harbor Court Sneaker | HPA-SNK-510 | True to size, narrow toe box | Wide feet: up half a size |
## Tips for agents
- Ask the buyer for their measurements, not their size in another brand; brand sizes vary too much.
- Between two sizes: relaxed tops and knitwear, take the larger; denim, take the smaller.
- Always end a sizing answer with the reminder that the first size exchange is free within 60 days.
- A style with more than 25% size exchanges in a month gets a fit note on its listing; report suspected fit problems to Lena Cho in #apparel-ops.
- Never promise a fit. Say "we recommend" and quote the measurement from this guide.
`;

function render(file: string, title: string, source: string): Promise<void> {
  mkdirSync(dirname(file), { recursive: true });
  const doc = new PDFDocument({
    size: 'LETTER',
    margin: 56,
    info: { Title: title, Author: 'Harbor & Pine Co.', CreationDate: CREATED },
  });
  const out = createWriteStream(file);
  doc.pipe(out);
  const left = doc.page.margins.left;
  const width = doc.page.width - left - doc.page.margins.right;
  let tableRow = 0;
  for (const line of source.trim().split('\n')) {
    if (!line.startsWith('|')) tableRow = 0;
    if (line === '@page') doc.addPage();
    else if (line.startsWith('# ')) doc.font('Helvetica-Bold').fontSize(20).text(line.slice(2)).moveDown(0.5);
    else if (line.startsWith('## '))
      doc.moveDown(0.6).font('Helvetica-Bold').fontSize(13).text(line.slice(3));
    else if (line.startsWith('- '))
      doc
        .font('Helvetica')
        .fontSize(10.5)
        .text(`•  ${line.slice(2)}`, { indent: 8 });
    else if (line.startsWith('|')) drawRow(doc, line, tableRow++ === 0, left, width);
    else doc.font('Helvetica').fontSize(10.5).text(line, { paragraphGap: 4 });
  }
  doc.end();
  return new Promise((resolve, reject) => {
    out.on('finish', resolve);
    out.on('error', reject);
  });
}

function drawRow(doc: PDFKit.PDFDocument, line: string, header: boolean, left: number, width: number): void {
  const cells = line
    .split('|')
    .slice(1, -1)
    .map((c) => c.trim());
  const colWidth = width / cells.length;
  doc.font(header ? 'Helvetica-Bold' : 'Helvetica').fontSize(9.5);
  const height = Math.max(...cells.map((c) => doc.heightOfString(c, { width: colWidth - 6 }))) + 6;
  if (doc.y + height > doc.page.height - doc.page.margins.bottom) doc.addPage();
  const top = doc.y;
  cells.forEach((cell, i) => {
    doc.text(cell, left + i * colWidth + 3, top + 3, { width: colWidth - 6 });
  });
  doc
    .moveTo(left, top + height)
    .lineTo(left + width, top + height)
    .lineWidth(header ? 1 : 0.4)
    .stroke('#999999');
  doc.x = left;
  doc.y = top + height;
}

await render(join(KNOWLEDGE, 'payout-and-settlement-guide.pdf'), 'Payout and Settlement Guide', PAYOUT_GUIDE);
await render(join(KNOWLEDGE, 'apparel', 'size-and-fit-guide.pdf'), 'Size and Fit Guide', FIT_GUIDE);
console.log('wrote knowledge/payout-and-settlement-guide.pdf and knowledge/apparel/size-and-fit-guide.pdf');
