const FLIGHTS = [
  { code: 'AF1024', airline: 'Air France', dep: '07:10', arr: '08:55', stops: 0, price: 129, free: true },
  { code: 'TP1351', airline: 'TAP', dep: '09:40', arr: '11:20', stops: 0, price: 89, free: true },
  { code: 'VY8012', airline: 'Vueling', dep: '06:05', arr: '10:30', stops: 1, price: 61, free: false },
  { code: 'U24411', airline: 'easyJet', dep: '13:15', arr: '15:00', stops: 0, price: 74, free: false },
];
