/**
 * The fixed vocabulary of the demo world: programs (a three-level tier ladder), products, promo tools, names,
 * SubIDs and time zones. Kept apart from the generator so the numbers it uses are easy to read and to test.
 */

export const DEMO_CURRENCY = 'USD';

/** The tier ladder `main`: level 1 is where every partner starts; rates rise with the level. */
export const demoPrograms = [
  { name: 'Affiliate', tier_group: 'main', level_order: 1, rate_bp: 2000 },
  { name: 'Silver Partner', tier_group: 'main', level_order: 2, rate_bp: 2500 },
  { name: 'Gold Partner', tier_group: 'main', level_order: 3, rate_bp: 3000 },
] as const;

/** `weight`: how often the product is bought; `subscription`: sales of it may start an open order. */
export const demoProducts = [
  { name: 'Starter Guide (ebook)', price_cents: 2_700, weight: 30, subscription: null },
  { name: 'Online Course: Foundations', price_cents: 19_700, weight: 22, subscription: null },
  { name: 'Monthly Membership', price_cents: 4_900, weight: 25, subscription: 'monthly' },
  { name: 'Annual Membership', price_cents: 39_700, weight: 10, subscription: 'yearly' },
  { name: '1:1 Coaching Session', price_cents: 15_000, weight: 9, subscription: null },
  { name: 'Mastermind Weekend', price_cents: 99_700, weight: 4, subscription: null },
] as const;

export type DemoPromoTool = {
  kind: 'banner' | 'lightbox' | 'email' | 'link';
  name: string;
  subject?: string;
  body?: string;
  image_url?: string;
  width?: number;
  height?: number;
  landing_path: string;
};

export const demoPromoTools: readonly DemoPromoTool[] = [
  { kind: 'banner', name: 'Leaderboard banner 728x90', image_url: '/wp-content/uploads/partners/banner-728x90.png', width: 728, height: 90, landing_path: '/' },
  { kind: 'banner', name: 'Medium rectangle 300x250', image_url: '/wp-content/uploads/partners/banner-300x250.png', width: 300, height: 250, landing_path: '/course/' },
  { kind: 'banner', name: 'Skyscraper 160x600', image_url: '/wp-content/uploads/partners/banner-160x600.png', width: 160, height: 600, landing_path: '/membership/' },
  { kind: 'lightbox', name: 'Exit-intent lightbox: free chapter', body: '<h2>Wait! Grab the free chapter</h2><p>Get chapter one of the Starter Guide free.</p>', landing_path: '/free-chapter/' },
  { kind: 'email', name: 'Launch email: Foundations course', subject: 'The course I wish I had when I started', body: 'Hi {first_name},\n\nI have been using this course for a month and it changed how I work.\nHave a look: {link}\n\nCheers', landing_path: '/course/' },
  { kind: 'email', name: 'Reminder email: membership', subject: 'Last chance: membership doors close Friday', body: 'Hi {first_name},\n\nA quick reminder that the membership closes on Friday.\nJoin here: {link}', landing_path: '/membership/' },
  { kind: 'link', name: 'Home page text link', landing_path: '/' },
  { kind: 'link', name: 'Pricing page text link', landing_path: '/pricing/' },
];

/** Everyday SubIDs partners tag their links with. */
export const demoSubIds = ['newsletter', 'youtube', 'fb-ads', 'instagram', 'podcast', 'blog-sidebar', 'twitter', 'tiktok-bio', 'webinar-2024'] as const;

/** SubIDs a spreadsheet would run as formulas: the CSV export must neutralise them. */
export const hostileSubIds = ['=HYPERLINK("http://evil")', '+1', '@cmd', '-2+3'] as const;

/** A contact name a spreadsheet would run as a command (the classic DDE payload). */
export const hostileContactName = "=cmd|' /C calc'!A0";

export const demoTimeZones = [
  'America/New_York', 'America/Chicago', 'America/Denver', 'America/Los_Angeles', 'Europe/London',
  'Europe/Berlin', 'Europe/Paris', 'Australia/Sydney', 'Asia/Tokyo', 'Asia/Kolkata', 'America/Sao_Paulo',
] as const;

export const firstNames = [
  'James', 'Mary', 'Robert', 'Patricia', 'John', 'Jennifer', 'Michael', 'Linda', 'David', 'Elizabeth', 'William',
  'Barbara', 'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Sarah', 'Charles', 'Karen', 'Christopher', 'Lisa',
  'Daniel', 'Nancy', 'Matthew', 'Betty', 'Anthony', 'Sandra', 'Mark', 'Margaret', 'Donald', 'Ashley', 'Steven',
  'Kimberly', 'Andrew', 'Emily', 'Paul', 'Donna', 'Joshua', 'Michelle', 'Kenneth', 'Carol', 'Kevin', 'Amanda',
  'Brian', 'Melissa', 'George', 'Deborah', 'Timothy', 'Stephanie', 'Ronald', 'Rebecca', 'Jason', 'Laura', 'Edward',
  'Helen', 'Jeffrey', 'Sharon', 'Ryan', 'Cynthia', 'Jacob', 'Amy', 'Gary', 'Angela', 'Nicholas', 'Anna', 'Eric',
  'Brenda', 'Jonathan', 'Pamela', 'Stephen', 'Nicole', 'Larry', 'Emma', 'Justin', 'Samantha', 'Scott', 'Katherine',
  'Priya', 'Wei', 'Sofia', 'Mateo', 'Aisha', 'Hiroshi', 'Olga', 'Lars', 'Chloé', 'José', 'Zoë', 'Björn', 'Siobhan',
  'Kwame', 'Fatima', 'Ngozi', 'Raj', 'Mei', 'Diego', 'Ingrid', 'Yusuf', 'Leilani',
] as const;

export const lastNames = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez',
  'Hernandez', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin', 'Lee',
  'Perez', 'Thompson', 'White', 'Harris', 'Sanchez', 'Clark', 'Ramirez', 'Lewis', 'Robinson', 'Walker', 'Young',
  'Allen', 'King', 'Wright', 'Scott', 'Torres', 'Nguyen', 'Hill', 'Flores', 'Green', 'Adams', 'Nelson', 'Baker',
  'Hall', 'Rivera', 'Campbell', 'Mitchell', 'Carter', 'Roberts', 'Patel', 'Kim', 'Chen', 'Müller', 'Schmidt',
  "O'Brien", 'Kowalski', 'Nakamura', 'Okafor', 'Svensson', 'Dubois', 'Rossi', 'Ivanova', 'Singh', 'Haddad',
  'Van der Berg', 'MacDonald', 'Fernández', 'Novak', 'Larsen',
] as const;

/** Leaderboard aliases some partners prefer to their names. */
export const aliases = [
  'DealHunter', 'TheFrugalCoach', 'GrowthGeek', 'MarketingMaven', 'SideHustleSam', 'CourseCritic', 'TheLaunchLab',
  'BudgetNinja', 'SavvySeller', 'ProductivityPro', 'NicheQueen', 'ReviewRanger',
] as const;

/** Mail domains reserved for examples (RFC 2606/6761): demo data can never email a real person. */
export const mailDomains = ['example.com', 'example.org', 'example.net', 'mail.test'] as const;
