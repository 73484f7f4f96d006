import type { Listing } from "@/lib/listings/schema";

/**
 * Sample business listings shipped with the app, varied in length: the short ones fit one
 * analysis chunk, the long ones need several (chunks are split in the job engine).
 */
const section = (title: string, body: string) => `${title}\n${body.trim()}\n`;

export const catalog: readonly Listing[] = [
  {
    id: "lst_harbor-coffee",
    title: "Harbor Street Coffee Roasters",
    source: "catalog",
    text: `Established specialty coffee roaster and café on a busy harbour-front corner. Two-group espresso
machine, 15 kg drum roaster, seating for 32 inside and 16 on the terrace. Revenue last fiscal
year 612,000 with a 14 % net margin; wholesale accounts with nine local restaurants make up 30 %
of sales. Six staff, owner works four days a week. Lease runs eight more years with one renewal
option. Asking price 395,000 including equipment and stock.`,
  },
  {
    id: "lst_greenline-landscaping",
    title: "Greenline Landscaping & Snow Services",
    source: "catalog",
    text: `Residential and commercial landscaping company with 240 recurring maintenance contracts and a
winter snow-clearing book that keeps crews busy year-round. Fleet of five trucks, two skid steers
and trailers, all owned outright. Revenue 1.4 M, seller's discretionary earnings 310,000. The
founder handles estimating and key accounts; a crew lead of twelve years runs daily operations.
Seasonal staffing peaks at 18. Seller will stay six months for transition.`,
  },
  {
    id: "lst_pixel-forge",
    title: "Pixel Forge — subscription design tool (SaaS)",
    source: "catalog",
    text: `Bootstrapped SaaS selling a browser-based mockup and asset tool to small marketing teams.
MRR 41,000 growing 3 % a month, gross margin 88 %, logo churn 2.6 % monthly. 1,150 paying teams,
largest customer under 2 % of revenue. Two contractors on support and front-end; the founder
writes most back-end code. Hosting and tooling 3,900 a month. Traffic is 70 % organic search,
with templates ranking for high-intent keywords. Asking 3.2× ARR.`,
  },
  {
    id: "lst_northwind-bakery",
    title: "Northwind Family Bakery (three locations)",
    source: "catalog",
    text: [
      section(
        "Overview",
        `Family-owned bakery group founded 1998 with a central production kitchen and three retail
shops in mid-sized towns 20–40 minutes apart. Known for sourdough, seasonal pastries and a
wedding-cake business that books six to nine months ahead. Second-generation owners are
retiring and no family member will continue.`,
      ),
      section(
        "Financials",
        `Revenue over the last three years: 2.1 M, 2.3 M and 2.45 M. Cost of goods is 31 % of sales,
labour 38 %, occupancy 9 %. Adjusted EBITDA 286,000 last year after adding back owners' salaries
above market and one-off roof repairs of 48,000. Cash sales are about 12 % of total and are fully
recorded through the point-of-sale system. Inventory at cost averages 35,000.`,
      ),
      section(
        "Operations",
        `The production kitchen runs two shifts from 3 a.m.; deck ovens were replaced in 2019, the
spiral mixers are original and will need replacement within three years (quoted 62,000). Delivery
to the shops is by two owned vans. A head baker with nineteen years' tenure manages production;
each shop has a manager. Total headcount 41, of which 17 part-time. Wage rates rose 11 % over two
years after the regional minimum wage increase.`,
      ),
      section(
        "Customers and market",
        `Retail is 78 % of revenue, wholesale to cafés and a regional grocery chain 14 %, cakes and
catering 8 %. The grocery contract renews annually and was renewed in March at a 4 % price
increase. A national chain opened a bake-off outlet near the largest shop last year; that shop's
sales fell 6 % for two quarters then recovered. Online pre-orders launched in 2022 and now make up
9 % of retail sales, concentrated on weekends and holidays.`,
      ),
      section(
        "Premises",
        `The production kitchen is owned and included in the sale (appraised 610,000). The three shops
are leased with 4, 6 and 9 years remaining; the shortest lease has a demolition clause the
landlord may exercise with twelve months' notice. Utilities are about 5 % of sales and exposed to
gas price changes; a partial switch to electric ovens was studied but not started.`,
      ),
      section(
        "Terms",
        `Asking price 1.35 M for the business including the kitchen property, or 740,000 excluding it
with a 10-year lease offered. Owners will stay for three months and introduce the buyer to the
grocery chain buyer. Staff have been told a sale is being explored.`,
      ),
    ].join("\n"),
  },
  {
    id: "lst_alpine-outfitters",
    title: "Alpine Outfitters — outdoor gear retail & rentals",
    source: "catalog",
    text: [
      section(
        "Overview",
        `Outdoor equipment store at the entrance to a national park, selling and renting ski, hiking
and climbing gear, with a guided-tours desk. Two floors, 600 m² retail plus a workshop for ski
tuning and repairs. Open year-round with two peak seasons.`,
      ),
      section(
        "Financials",
        `Revenue 1.9 M (retail 58 %, rentals 27 %, repairs 6 %, tour commissions 9 %). Gross margin on
retail 41 %, on rentals 74 % before depreciation of the rental fleet (about 95,000 a year).
Net profit 205,000. Winters with poor snow cut revenue by up to 25 %: two of the last seven
winters were poor. Inventory at cost 420,000 at the season's end, 10 % older than two seasons.`,
      ),
      section(
        "Operations",
        `Rental fleet of 380 ski sets and 120 bike units, tracked in rental software with online
booking that takes 60 % of rentals in advance. Eight year-round staff and up to 22 in season,
many returning each year on seasonal visas; housing for six staff is rented by the business.
The owner buys all stock and negotiates with four main brands; two brands require a minimum
order and an approved dealer agreement that must be transferred.`,
      ),
      section(
        "Market",
        `Park visitors grew 4 % a year for a decade, with a record summer last year. A competing shop
opened in the village centre two years ago with lower rental prices. The regional tourism board
is funding a new gondola expected to double winter visitors within five years, though its
approval is still being appealed. Online retailers undercut prices on hard goods, so the store
leans on fitting, service and rentals.`,
      ),
      section(
        "Premises and risks",
        `The building is leased until 2034 with rent tied to inflation; the landlord also owns the
neighbouring hotel and has expressed interest in the ground floor. Flood-zone classification
raised insurance 30 % last year. Climate trends point to shorter ski seasons, while summer
hiking and e-bike rentals grow about 15 % a year.`,
      ),
      section(
        "Terms",
        `Asking 980,000 plus inventory at cost. Owner open to a 20 % vendor loan over five years and
will work the next peak season alongside the buyer.`,
      ),
    ].join("\n"),
  },
];
