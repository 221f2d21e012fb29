// Goods lines with real HS codes and matching descriptions, by direction of travel. The risky
// lines (firearms southbound, precursor chemicals northbound) are picked rarely, on purpose.

export type Sector = 'autoParts' | 'produce' | 'electronics' | 'textiles' | 'general' | 'risky';

export interface GoodsTemplate {
  /** Six-digit HS code. */
  readonly hs: string;
  readonly description: string;
  readonly sector: Sector;
  readonly unit: 'C62' | 'KGM' | 'LTR';
  readonly packageType: 'PX' | 'CT' | 'BX' | 'BG' | 'DR' | 'CR';
  /** Units (or kg) per package, range. */
  readonly perPackage: readonly [number, number];
  /** Gross kg per unit of quantity. */
  readonly kgPerUnit: number;
  /** USD per unit of quantity, range. */
  readonly unitValue: readonly [number, number];
  readonly origins: readonly string[];
  readonly dangerousGoods?: string;
}

const t = (
  hs: string,
  description: string,
  sector: Sector,
  rest: Omit<GoodsTemplate, 'hs' | 'description' | 'sector'>,
): GoodsTemplate => ({ hs, description, sector, ...rest });

const units = { unit: 'C62', packageType: 'PX' } as const;

/** Mexico → United States. */
export const NORTHBOUND_GOODS: readonly GoodsTemplate[] = [
  t('870829', 'Stamped steel door panels, unpainted', 'autoParts', {
    ...units,
    perPackage: [40, 80],
    kgPerUnit: 8.7,
    unitValue: [55, 95],
    origins: ['MX'],
  }),
  t('870840', 'Six-speed manual gear boxes', 'autoParts', {
    ...units,
    perPackage: [8, 16],
    kgPerUnit: 57,
    unitValue: [1400, 2100],
    origins: ['MX'],
  }),
  t('870830', 'Brake calipers and rotors for light trucks', 'autoParts', {
    ...units,
    perPackage: [60, 120],
    kgPerUnit: 6.2,
    unitValue: [38, 90],
    origins: ['MX'],
  }),
  t('870894', 'Steering wheels and steering columns', 'autoParts', {
    ...units,
    perPackage: [30, 60],
    kgPerUnit: 4.1,
    unitValue: [70, 160],
    origins: ['MX'],
  }),
  t('854430', 'Ignition wiring harnesses for light trucks', 'autoParts', {
    ...units,
    perPackage: [150, 250],
    kgPerUnit: 1.05,
    unitValue: [28, 45],
    origins: ['MX'],
  }),
  t('070200', 'Fresh Roma tomatoes', 'produce', {
    unit: 'KGM',
    packageType: 'CT',
    perPackage: [11, 12],
    kgPerUnit: 1.08,
    unitValue: [0.9, 1.6],
    origins: ['MX'],
  }),
  t('070960', 'Fresh bell peppers', 'produce', {
    unit: 'KGM',
    packageType: 'CT',
    perPackage: [10, 12],
    kgPerUnit: 1.08,
    unitValue: [1.2, 2.4],
    origins: ['MX'],
  }),
  t('070700', 'Fresh cucumbers', 'produce', {
    unit: 'KGM',
    packageType: 'CT',
    perPackage: [20, 24],
    kgPerUnit: 1.07,
    unitValue: [0.6, 1.1],
    origins: ['MX'],
  }),
  t('070920', 'Fresh green asparagus', 'produce', {
    unit: 'KGM',
    packageType: 'CT',
    perPackage: [5, 13],
    kgPerUnit: 1.1,
    unitValue: [3.5, 6.5],
    origins: ['MX'],
  }),
  t('080440', 'Fresh Hass avocados', 'produce', {
    unit: 'KGM',
    packageType: 'CT',
    perPackage: [10, 11],
    kgPerUnit: 1.09,
    unitValue: [2.1, 3.8],
    origins: ['MX'],
  }),
  t('080450', 'Fresh Ataulfo mangoes', 'produce', {
    unit: 'KGM',
    packageType: 'CT',
    perPackage: [4, 5],
    kgPerUnit: 1.12,
    unitValue: [1.1, 2.0],
    origins: ['MX'],
  }),
  t('081010', 'Fresh strawberries', 'produce', {
    unit: 'KGM',
    packageType: 'CT',
    perPackage: [3, 4],
    kgPerUnit: 1.15,
    unitValue: [2.8, 4.6],
    origins: ['MX'],
  }),
  t('851762', 'Network switches and routers', 'electronics', {
    ...units,
    perPackage: [20, 40],
    kgPerUnit: 3.4,
    unitValue: [180, 950],
    origins: ['MX'],
  }),
  t('852872', 'LED television receivers, 55-inch', 'electronics', {
    ...units,
    perPackage: [12, 24],
    kgPerUnit: 19,
    unitValue: [240, 410],
    origins: ['MX'],
  }),
  t('847130', 'Laptop computers, 14-inch', 'electronics', {
    ...units,
    perPackage: [40, 60],
    kgPerUnit: 2.4,
    unitValue: [420, 780],
    origins: ['MX', 'CN'],
  }),
  t('841810', 'Combined refrigerator-freezers, household', 'general', {
    ...units,
    perPackage: [1, 2],
    kgPerUnit: 78,
    unitValue: [390, 720],
    origins: ['MX'],
  }),
  t('610910', "Men's cotton T-shirts, knitted", 'textiles', {
    unit: 'C62',
    packageType: 'CT',
    perPackage: [72, 144],
    kgPerUnit: 0.2,
    unitValue: [2.1, 4.5],
    origins: ['MX'],
  }),
  t('620342', "Men's cotton denim trousers", 'textiles', {
    unit: 'C62',
    packageType: 'CT',
    perPackage: [36, 60],
    kgPerUnit: 0.65,
    unitValue: [7, 14],
    origins: ['MX'],
  }),
  t('220300', 'Beer made from malt, bottled', 'general', {
    unit: 'LTR',
    packageType: 'PX',
    perPackage: [800, 1100],
    kgPerUnit: 1.6,
    unitValue: [1.1, 1.7],
    origins: ['MX'],
  }),
  t('940161', 'Upholstered seats with wooden frames', 'general', {
    ...units,
    perPackage: [4, 10],
    kgPerUnit: 18,
    unitValue: [85, 260],
    origins: ['MX'],
  }),
];

/** United States → Mexico. */
export const SOUTHBOUND_GOODS: readonly GoodsTemplate[] = [
  t('847130', 'Laptop computers, 14-inch, for assembly plant use', 'electronics', {
    ...units,
    perPackage: [40, 60],
    kgPerUnit: 2.4,
    unitValue: [420, 780],
    origins: ['CN', 'US'],
  }),
  t('851713', 'Smartphones', 'electronics', {
    unit: 'C62',
    packageType: 'CT',
    perPackage: [50, 100],
    kgPerUnit: 0.35,
    unitValue: [180, 640],
    origins: ['CN', 'VN'],
  }),
  t('854231', 'Integrated circuits, processors and controllers', 'electronics', {
    unit: 'C62',
    packageType: 'BX',
    perPackage: [500, 2000],
    kgPerUnit: 0.01,
    unitValue: [3, 40],
    origins: ['US', 'TW', 'KR'],
  }),
  t('870899', 'Transmission components for vehicle assembly', 'autoParts', {
    ...units,
    perPackage: [20, 60],
    kgPerUnit: 9,
    unitValue: [40, 210],
    origins: ['US'],
  }),
  t('400121', 'Smoked sheets of natural rubber', 'general', {
    unit: 'KGM',
    packageType: 'PX',
    perPackage: [900, 1100],
    kgPerUnit: 1.02,
    unitValue: [1.6, 2.4],
    origins: ['TH', 'ID'],
  }),
  t('390110', 'Polyethylene resin pellets, specific gravity < 0.94', 'general', {
    unit: 'KGM',
    packageType: 'BG',
    perPackage: [1000, 1250],
    kgPerUnit: 1.01,
    unitValue: [1.0, 1.6],
    origins: ['US'],
  }),
  t('720851', 'Hot-rolled steel plate, thickness > 10 mm', 'general', {
    unit: 'KGM',
    packageType: 'PX',
    perPackage: [2000, 4000],
    kgPerUnit: 1,
    unitValue: [0.8, 1.2],
    origins: ['US'],
  }),
  t('100590', 'Yellow dent corn, bulk', 'general', {
    unit: 'KGM',
    packageType: 'BG',
    perPackage: [1000, 1000],
    kgPerUnit: 1,
    unitValue: [0.2, 0.3],
    origins: ['US'],
  }),
  t('020329', 'Frozen pork cuts', 'general', {
    unit: 'KGM',
    packageType: 'CT',
    perPackage: [25, 30],
    kgPerUnit: 1.05,
    unitValue: [2.6, 4.2],
    origins: ['US'],
  }),
  t('847989', 'Industrial robots and pick-and-place machines', 'general', {
    ...units,
    perPackage: [1, 1],
    kgPerUnit: 480,
    unitValue: [18000, 65000],
    origins: ['US', 'DE', 'JP'],
  }),
  t('520942', 'Cotton denim fabric, 3-thread twill', 'textiles', {
    unit: 'KGM',
    packageType: 'PX',
    perPackage: [400, 700],
    kgPerUnit: 1.03,
    unitValue: [4.5, 7.5],
    origins: ['US'],
  }),
  t('481910', 'Corrugated paperboard cartons, flat', 'general', {
    unit: 'C62',
    packageType: 'PX',
    perPackage: [400, 800],
    kgPerUnit: 0.6,
    unitValue: [0.4, 1.1],
    origins: ['US'],
  }),
];

/** Firearms and ammunition leaving the United States (Mexico's risk rules weigh them heavily). */
export const RISKY_SOUTHBOUND: readonly GoodsTemplate[] = [
  t('930200', 'Semi-automatic pistols, 9 mm', 'risky', {
    unit: 'C62',
    packageType: 'CR',
    perPackage: [10, 20],
    kgPerUnit: 1.1,
    unitValue: [320, 610],
    origins: ['US'],
  }),
  t('930330', 'Sporting rifles, .223 calibre', 'risky', {
    unit: 'C62',
    packageType: 'CR',
    perPackage: [5, 10],
    kgPerUnit: 4.2,
    unitValue: [650, 1200],
    origins: ['US'],
  }),
  t('930630', 'Rifle cartridges, 7.62x39 mm', 'risky', {
    unit: 'C62',
    packageType: 'CT',
    perPackage: [500, 1000],
    kgPerUnit: 0.017,
    unitValue: [0.4, 0.8],
    origins: ['US'],
    dangerousGoods: 'UN0012',
  }),
  t('930510', 'Pistol slides, barrels and magazines', 'risky', {
    unit: 'C62',
    packageType: 'CT',
    perPackage: [50, 100],
    kgPerUnit: 0.3,
    unitValue: [25, 90],
    origins: ['US'],
  }),
];

/** Precursor chemicals entering the United States (US risk rules weigh them heavily). */
export const RISKY_NORTHBOUND: readonly GoodsTemplate[] = [
  t('293339', 'Piperidine derivatives, laboratory reagent grade', 'risky', {
    unit: 'KGM',
    packageType: 'DR',
    perPackage: [25, 50],
    kgPerUnit: 1.1,
    unitValue: [45, 160],
    origins: ['CN', 'IN'],
    dangerousGoods: 'UN2811',
  }),
  t('293399', 'Heterocyclic compounds with nitrogen hetero-atoms, n.e.s.', 'risky', {
    unit: 'KGM',
    packageType: 'DR',
    perPackage: [25, 50],
    kgPerUnit: 1.1,
    unitValue: [30, 120],
    origins: ['CN'],
  }),
  t('293942', 'Pseudoephedrine hydrochloride', 'risky', {
    unit: 'KGM',
    packageType: 'DR',
    perPackage: [20, 25],
    kgPerUnit: 1.05,
    unitValue: [80, 240],
    origins: ['IN', 'CN'],
  }),
];
